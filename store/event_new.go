package store

import (
	"encoding/json"
	"fmt"
)

// NewEvent returns an event of tenant (and integration, when it is about
// one) of type typ whose payload is payload's JSON object with the
// tenant's id added as "tenant_id": the data the platform receives,
// built once, when the event is made, so that delivering it needs no
// decoding. payload must encode as a JSON object without a tenant_id
// member of its own.
func NewEvent(tenant, integration, typ string, payload any) (*Event, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("store: event %s: %w", typ, err)
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("store: event %s: the payload is not a JSON object", typ)
	}
	t, _ := json.Marshal(tenant) // a string: cannot fail
	data := make([]byte, 0, len(b)+len(t)+14)
	data = append(data, `{"tenant_id":`...)
	data = append(data, t...)
	if len(b) > 2 {
		data = append(data, ',')
	}
	data = append(data, b[1:]...)
	return &Event{TenantID: tenant, IntegrationID: integration, Type: typ, Payload: data}, nil
}
