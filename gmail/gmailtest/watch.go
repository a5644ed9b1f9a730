package gmailtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// WatchLifetime is how long a watch lasts unless renewed, as Gmail's.
const WatchLifetime = 7 * 24 * time.Hour

// WatchInfo is a mailbox's active watch (users.watch).
type WatchInfo struct {
	Topic      string
	LabelIDs   []string
	Behavior   string // "include" or "exclude"
	Expiration time.Time
	// HistoryID is the mailbox's historyId when the watch was made.
	HistoryID uint64
	// Calls counts users.watch calls that made or renewed this watch.
	Calls int
}

// Push is a notification an active watch sends to its Pub/Sub topic.
type Push struct {
	Topic        string
	EmailAddress string
	HistoryID    uint64
}

// Data returns the notification as Pub/Sub's message.data carries it:
// standard base64 of {"emailAddress":...,"historyId":...}.
func (p Push) Data() string {
	b, _ := json.Marshal(struct {
		EmailAddress string `json:"emailAddress"`
		HistoryID    uint64 `json:"historyId"`
	}{p.EmailAddress, p.HistoryID})
	return base64.StdEncoding.EncodeToString(b)
}

// Watch returns the mailbox's watch, or nil when it has none (never
// made, stopped, or expired).
func (mb *Mailbox) Watch() *WatchInfo {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if mb.watch == nil || !mb.s.opts.Now().Before(mb.watch.Expiration) {
		return nil
	}
	w := *mb.watch
	w.LabelIDs = slices.Clone(w.LabelIDs)
	return &w
}

var topicName = regexp.MustCompile(`^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~%+-]{2,254}$`)

func (s *Server) watch(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	var req wireWatchRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return badRequest("Invalid JSON payload received. " + err.Error())
	}
	if !topicName.MatchString(req.TopicName) {
		return badRequest("Invalid topicName does not match projects/SOME-PROJECT/topics/*")
	}
	behavior := req.LabelFilterBehavior
	if behavior == "" {
		behavior = req.LabelFilterAction
	}
	switch behavior {
	case "", "include", "INCLUDE":
		behavior = "include"
	case "exclude", "EXCLUDE":
		behavior = "exclude"
	default:
		return badRequest("Invalid value at 'labelFilterBehavior': " + strconv.Quote(behavior))
	}
	mb.mu.Lock()
	calls := 1
	if mb.watch != nil {
		calls = mb.watch.Calls + 1
	}
	mb.watch = &WatchInfo{
		Topic: req.TopicName, LabelIDs: normLabels(req.LabelIDs), Behavior: behavior,
		Expiration: s.opts.Now().Add(WatchLifetime).Truncate(time.Millisecond), HistoryID: mb.historyID, Calls: calls,
	}
	resp := wireWatchResponse{HistoryID: mb.historyID, Expiration: mb.watch.Expiration.UnixMilli()}
	mb.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) stop(w http.ResponseWriter, _ *http.Request, mb *Mailbox) error {
	mb.mu.Lock()
	mb.watch = nil
	mb.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pushesLocked returns the notification a change to m (touching
// changed labels) causes, if the watch covers it.
func (mb *Mailbox) pushesLocked(m *message, changed []string) []Push {
	w := mb.watch
	if w == nil || !mb.s.opts.Now().Before(w.Expiration) {
		return nil
	}
	labels := append(slices.Clone(m.labels), changed...)
	hit := len(w.LabelIDs) == 0
	for _, l := range labels {
		in := slices.Contains(w.LabelIDs, l)
		if (w.Behavior == "include" && in) || (w.Behavior == "exclude" && !in) {
			hit = true
		}
	}
	if !hit {
		return nil
	}
	return []Push{{Topic: w.Topic, EmailAddress: mb.email, HistoryID: mb.historyID}}
}

// push hands notifications to Options.OnPush.
func (s *Server) push(pushes []Push) {
	if s.opts.OnPush == nil {
		return
	}
	for _, p := range pushes {
		s.opts.OnPush(p)
	}
}
