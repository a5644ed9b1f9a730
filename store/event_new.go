package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
)

// NewEvent returns an event of tenant (and integration, when it is about
// one) of type typ whose payload is payload's JSON object with the
// tenant's id added as "tenant_id": the data the platform receives,
// built once, when the event is made, so that delivering it needs no
// decoding. payload must encode as a JSON object without a tenant_id
// member of its own.
func NewEvent(tenant, integration, typ string, payload any) (*Event, error) {
	e := eventEncoders.Get().(*eventEncoder)
	defer e.put()
	e.buf.WriteString(`{"tenant_id":`)
	appendJSONString(&e.buf, tenant)
	n := e.buf.Len()
	if err := e.enc.Encode(payload); err != nil {
		return nil, fmt.Errorf("store: event %s: %w", typ, err)
	}
	b := e.buf.Bytes()
	obj := bytes.TrimRight(b[n:], "\n") // Encode ends with a newline
	if len(obj) < 2 || obj[0] != '{' {
		return nil, fmt.Errorf("store: event %s: the payload is not a JSON object", typ)
	}
	// {"tenant_id":"…" then "," and the object's members, or "}" when it
	// has none: one allocation, the payload's exact size.
	data := make([]byte, 0, n+len(obj))
	data = append(data, b[:n]...)
	if len(obj) > 2 {
		data = append(data, ',')
	}
	data = append(data, obj[1:]...)
	return &Event{TenantID: tenant, IntegrationID: integration, Type: typ, Payload: data}, nil
}

// eventEncoder is NewEvent's scratch: a buffer and a JSON encoder
// writing to it, so that encoding a payload allocates nothing but its
// result. Events are made on the ingest path, one per stored message.
type eventEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var eventEncoders = sync.Pool{New: func() any {
	e := &eventEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// put returns e to the pool, unless it grew past what a usual payload
// needs.
func (e *eventEncoder) put() {
	if e.buf.Cap() > 64<<10 {
		return
	}
	e.buf.Reset()
	eventEncoders.Put(e)
}

// appendJSONString writes s as a JSON string, as encoding/json does:
// directly when it holds only printable ASCII that needs no escape,
// through json.Marshal otherwise.
func appendJSONString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string: cannot fail
			buf.Write(q)
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}
