package outbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ucsp/integration/store"
)

// tenantPrefix starts a payload that carries its tenant's id, as
// store.NewEvent builds it.
const tenantPrefix = `{"tenant_id":`

// Data returns ev's payload as it is delivered: a JSON object whose
// tenant_id is ev's tenant. A payload built by store.NewEvent is that
// already and is returned as it is, without being decoded; one stored
// before (without tenant_id) gets tenant_id added in front. An error
// means the payload is not a JSON object.
func Data(ev *store.Event) (json.RawMessage, error) {
	p := bytes.TrimLeft(ev.Payload, " \t\r\n")
	if bytes.HasPrefix(p, []byte(tenantPrefix)) {
		return p, nil
	}
	if len(p) < 2 || p[0] != '{' {
		return nil, fmt.Errorf("outbox: event %s: the payload is not a JSON object", ev.ID)
	}
	tenant, _ := json.Marshal(ev.TenantID) // a string: cannot fail
	rest := p[1:]
	empty := bytes.HasPrefix(bytes.TrimLeft(rest, " \t\r\n"), []byte("}"))
	out := make([]byte, 0, len(tenantPrefix)+len(tenant)+len(p)+1)
	out = append(out, tenantPrefix...)
	out = append(out, tenant...)
	if !empty {
		out = append(out, ',')
	}
	return append(out, rest...), nil
}

// envelope returns the body delivered for ev:
// {"type":…,"timestamp":…,"data":…}, data as Data returns it.
func envelope(ev *store.Event) ([]byte, error) {
	data, err := Data(ev)
	if err != nil {
		return nil, err
	}
	typ, err := json.Marshal(ev.Type)
	if err != nil {
		return nil, fmt.Errorf("outbox: event %s: %w", ev.ID, err)
	}
	b := make([]byte, 0, len(data)+len(typ)+80)
	b = append(b, `{"type":`...)
	b = append(b, typ...)
	b = append(b, `,"timestamp":"`...)
	b = ev.CreatedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","data":`...)
	b = append(b, data...)
	return append(b, '}'), nil
}
