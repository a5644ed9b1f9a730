package pubsubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// UserAgent is the User-Agent of Pub/Sub's push requests.
const UserAgent = "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"

// pushEnvelope is the body of a push request. Pub/Sub sends the
// message's fields in camelCase and again in snake_case, and leaves out
// empty data and attributes.
type pushEnvelope struct {
	Message struct {
		Attributes       map[string]string `json:"attributes,omitempty"`
		Data             string            `json:"data,omitempty"`
		MessageID        string            `json:"messageId"`
		MessageIDSnake   string            `json:"message_id"`
		PublishTime      string            `json:"publishTime"`
		PublishTimeSnake string            `json:"publish_time"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// PushBody returns the body of a push request as Pub/Sub sends it for a
// message published now:
//
//	{"message":{"attributes":{...},"data":"<standard base64>",
//	"messageId":"...","message_id":"...",
//	"publishTime":"2006-01-02T15:04:05.000Z","publish_time":"..."},
//	"subscription":"projects/P/subscriptions/S"}
//
// subscription is the subscription's full name. For a Gmail watch, data
// is the JSON {"emailAddress","historyId"}.
func PushBody(subscription, messageID string, data []byte, attributes map[string]string) []byte {
	var p pushEnvelope
	published := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	p.Message.Attributes = attributes
	p.Message.Data = base64.StdEncoding.EncodeToString(data)
	p.Message.MessageID, p.Message.MessageIDSnake = messageID, messageID
	p.Message.PublishTime, p.Message.PublishTimeSnake = published, published
	p.Subscription = subscription
	b, err := json.Marshal(p)
	if err != nil {
		panic("pubsubtest: " + err.Error()) // strings and maps of strings only
	}
	return b
}

// NewPushRequest returns a push request to url as Pub/Sub makes it: POST
// body with Content-Type application/json, Pub/Sub's User-Agent, and
// Authorization: Bearer token, unless token is empty. It suits both
// http.Client.Do and a handler's ServeHTTP. It panics if url is not a
// URL.
func NewPushRequest(url, token string, body []byte) *http.Request {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		panic("pubsubtest: " + err.Error())
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", UserAgent)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}
