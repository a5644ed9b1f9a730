package memory

import (
	"bytes"
	"slices"

	"github.com/ucsp/integration/store"
)

// The clone functions return deep copies: no slice, map or pointer of the
// copy is shared with the original.

func cloneIntegration(in *store.Integration) *store.Integration {
	c := *in
	c.Config = bytes.Clone(in.Config)
	return &c
}

func cloneMessage(m *store.Message) *store.Message {
	c := new(store.Message)
	*c = *m
	m.Message.DeepCopyInto(&c.Message)
	return c
}

func cloneOutbox(e *store.OutboxEntry) *store.OutboxEntry {
	c := *e
	e.Message.DeepCopyInto(&c.Message)
	if e.Result != nil {
		r := *e.Result
		c.Result = &r
	}
	return &c
}

func cloneEvent(e *store.Event) *store.Event {
	c := *e
	c.Payload = bytes.Clone(e.Payload)
	return &c
}

// sameSet reports whether a and b hold the same strings, in any order:
// flags, labels and folders are sets, and a provider listing them in
// another order has not changed them.
func sameSet(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	as, bs := slices.Clone(a), slices.Clone(b)
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(slices.Compact(as), slices.Compact(bs))
}
