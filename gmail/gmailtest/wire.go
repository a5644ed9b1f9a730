package gmailtest

// The JSON shapes of Gmail REST v1, as the discovery document
// (google.golang.org/api/gmail/v1/gmail-api.json) declares them: int64
// and uint64 fields ("format": "int64"/"uint64") travel as JSON strings,
// int32 fields as numbers, and empty fields are left out.

type wireMessage struct {
	ID           string    `json:"id,omitempty"`
	ThreadID     string    `json:"threadId,omitempty"`
	LabelIDs     []string  `json:"labelIds,omitempty"`
	Snippet      string    `json:"snippet,omitempty"`
	HistoryID    uint64    `json:"historyId,omitempty,string"`
	InternalDate int64     `json:"internalDate,omitempty,string"`
	SizeEstimate int       `json:"sizeEstimate,omitempty"`
	Raw          string    `json:"raw,omitempty"`
	Payload      *wirePart `json:"payload,omitempty"`
}

type wirePart struct {
	PartID   string       `json:"partId"`
	MimeType string       `json:"mimeType,omitempty"`
	Filename string       `json:"filename"`
	Headers  []wireHeader `json:"headers,omitempty"`
	Body     *wireBody    `json:"body,omitempty"`
}

type wireHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type wireBody struct {
	Size int `json:"size"`
}

type wireListMessages struct {
	Messages           []wireMessage `json:"messages,omitempty"`
	NextPageToken      string        `json:"nextPageToken,omitempty"`
	ResultSizeEstimate int           `json:"resultSizeEstimate"`
}

type wireThread struct {
	ID        string        `json:"id"`
	Snippet   string        `json:"snippet,omitempty"`
	HistoryID uint64        `json:"historyId,omitempty,string"`
	Messages  []wireMessage `json:"messages,omitempty"`
}

type wireHistory struct {
	ID              uint64             `json:"id,string"`
	Messages        []wireMessage      `json:"messages,omitempty"`
	MessagesAdded   []wireMessageEvent `json:"messagesAdded,omitempty"`
	MessagesDeleted []wireMessageEvent `json:"messagesDeleted,omitempty"`
	LabelsAdded     []wireLabelEvent   `json:"labelsAdded,omitempty"`
	LabelsRemoved   []wireLabelEvent   `json:"labelsRemoved,omitempty"`
}

type wireMessageEvent struct {
	Message wireMessage `json:"message"`
}

type wireLabelEvent struct {
	Message  wireMessage `json:"message"`
	LabelIDs []string    `json:"labelIds"`
}

type wireListHistory struct {
	History       []wireHistory `json:"history,omitempty"`
	NextPageToken string        `json:"nextPageToken,omitempty"`
	HistoryID     uint64        `json:"historyId,string"`
}

type wireProfile struct {
	EmailAddress  string `json:"emailAddress"`
	MessagesTotal int    `json:"messagesTotal"`
	ThreadsTotal  int    `json:"threadsTotal"`
	HistoryID     uint64 `json:"historyId,string"`
}

type wireWatchRequest struct {
	TopicName           string   `json:"topicName"`
	LabelIDs            []string `json:"labelIds"`
	LabelFilterBehavior string   `json:"labelFilterBehavior"`
	LabelFilterAction   string   `json:"labelFilterAction"`
}

type wireWatchResponse struct {
	HistoryID  uint64 `json:"historyId,string"`
	Expiration int64  `json:"expiration,string"`
}

// wireError is Google's JSON error body:
// {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}.
type wireError struct {
	Error wireErrorBody `json:"error"`
}

type wireErrorBody struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Errors  []wireErrorItem `json:"errors"`
	Status  string          `json:"status"`
}

type wireErrorItem struct {
	Message      string `json:"message"`
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Location     string `json:"location,omitempty"`
	LocationType string `json:"locationType,omitempty"`
}

// wireLabel is a Label: labels.list gives id, name, type and the
// visibilities; labels.get adds the counts (int32: JSON numbers).
type wireLabel struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	MessageListVisibility string `json:"messageListVisibility,omitempty"`
	LabelListVisibility   string `json:"labelListVisibility,omitempty"`
	Type                  string `json:"type"`
	MessagesTotal         *int   `json:"messagesTotal,omitempty"`
	MessagesUnread        *int   `json:"messagesUnread,omitempty"`
	ThreadsTotal          *int   `json:"threadsTotal,omitempty"`
	ThreadsUnread         *int   `json:"threadsUnread,omitempty"`
}

type wireListLabels struct {
	Labels []wireLabel `json:"labels"`
}

type wireModifyRequest struct {
	AddLabelIDs    []string `json:"addLabelIds"`
	RemoveLabelIDs []string `json:"removeLabelIds"`
}

type wireBatchModifyRequest struct {
	IDs            []string `json:"ids"`
	AddLabelIDs    []string `json:"addLabelIds"`
	RemoveLabelIDs []string `json:"removeLabelIds"`
}
