package gmail

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ucsp/integration/connector"
)

// Notification is what a Gmail push says: a mailbox changed, and its
// historyId after the change. The Pub/Sub message carrying it (its
// messageId is Pub/Sub's, not Gmail's) is verified by package webhook.
type Notification struct {
	EmailAddress string
	HistoryID    uint64
}

// ParseNotification decodes a push's message.data: base64 (standard or
// URL-safe alphabet, padded or not) of the JSON
// {"emailAddress":"...","historyId":...}, the historyId a number or a
// string.
func ParseNotification(data string) (Notification, error) {
	s := strings.TrimRight(strings.TrimSpace(data), "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawURLEncoding.DecodeString(s); err != nil {
			return Notification{}, errors.New("gmail: push data is not base64")
		}
	}
	var n struct {
		EmailAddress string          `json:"emailAddress"`
		HistoryID    json.RawMessage `json:"historyId"`
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return Notification{}, fmt.Errorf("gmail: push data is not a Gmail notification: %w", err)
	}
	id, err := strconv.ParseUint(strings.Trim(string(n.HistoryID), `"`), 10, 64)
	if err != nil || id == 0 || n.EmailAddress == "" {
		return Notification{}, errors.New("gmail: push data lacks emailAddress or historyId")
	}
	return Notification{EmailAddress: n.EmailAddress, HistoryID: id}, nil
}

// NeedsSync reports whether a notification brings news for a mailbox
// whose stored cursor is cur: the cursor is not at or past the
// notification's historyId (a zero cursor, a full sync in progress or a
// cursor of another connector always need one). Pushes can come late,
// twice or out of order; one this says nothing about needs no job.
func NeedsSync(cur connector.Cursor, n Notification) bool {
	p, err := parseCursor(cur)
	if err != nil || p.full {
		return true
	}
	return p.historyID < n.HistoryID
}
