package pubsub

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ucsp/integration/webhook"
)

// Push is a decoded Pub/Sub push request.
type Push struct {
	// Message is the message pushed.
	Message Message
	// Subscription is the push subscription's full name
	// ("projects/P/subscriptions/S").
	Subscription string
	// DeliveryAttempt counts deliveries of the message when the
	// subscription has a dead-letter policy; 0 otherwise.
	DeliveryAttempt int
}

// Message is a Pub/Sub message.
type Message struct {
	// Data is the message's data, decoded from base64. For Gmail, the
	// JSON {"emailAddress","historyId"}.
	Data []byte
	// MessageID is Pub/Sub's id of the message, unique within its topic
	// (not a Gmail message id).
	MessageID string
	// Attributes are the message's attributes.
	Attributes map[string]string
	// PublishTime is when Pub/Sub received the message.
	PublishTime time.Time
	// OrderingKey is the message's ordering key, if any.
	OrderingKey string
}

// wirePush is the push envelope. Pub/Sub sends the message's fields in
// camelCase and again in snake_case.
type wirePush struct {
	Message *struct {
		Data             *string           `json:"data"`
		MessageID        string            `json:"messageId"`
		MessageIDSnake   string            `json:"message_id"`
		Attributes       map[string]string `json:"attributes"`
		PublishTime      string            `json:"publishTime"`
		PublishTimeSnake string            `json:"publish_time"`
		OrderingKey      string            `json:"orderingKey"`
	} `json:"message"`
	Subscription    string `json:"subscription"`
	DeliveryAttempt int    `json:"deliveryAttempt"`
}

// DecodePush decodes a push envelope. It fails with
// webhook.ErrMalformedBody unless the body is the envelope with a message
// id and a subscription, and data (if any) in base64.
func DecodePush(body []byte) (*Push, error) {
	var w wirePush
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: not a Pub/Sub push envelope", webhook.ErrMalformedBody)
	}
	if w.Message == nil {
		return nil, fmt.Errorf("%w: no message", webhook.ErrMalformedBody)
	}
	m := w.Message
	p := &Push{
		Subscription:    w.Subscription,
		DeliveryAttempt: w.DeliveryAttempt,
		Message: Message{
			MessageID:   firstNonEmpty(m.MessageID, m.MessageIDSnake),
			Attributes:  m.Attributes,
			OrderingKey: m.OrderingKey,
		},
	}
	if p.Message.MessageID == "" {
		return nil, fmt.Errorf("%w: no messageId", webhook.ErrMalformedBody)
	}
	if p.Subscription == "" {
		return nil, fmt.Errorf("%w: no subscription", webhook.ErrMalformedBody)
	}
	if m.Data != nil {
		data, err := DecodeData(*m.Data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", webhook.ErrMalformedBody, err)
		}
		p.Message.Data = data
	}
	if ts := firstNonEmpty(m.PublishTime, m.PublishTimeSnake); ts != "" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return nil, fmt.Errorf("%w: publishTime is not RFC 3339", webhook.ErrMalformedBody)
		}
		p.Message.PublishTime = t
	}
	return p, nil
}

// DecodeData decodes base64 in the standard or the URL-safe alphabet,
// padded or not, as message data comes from different publishers.
func DecodeData(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("pubsub: message data is not base64: %w", err)
	}
	return b, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
