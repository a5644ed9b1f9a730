package memory

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

const tenantA, tenantB = "tenant-a", "tenant-b"

// farFuture is an expiry no test reaches.
var farFuture = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

func newStore(t *testing.T, opts ...Options) *Store {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := New(o)
	require.NoError(t, err)
	t.Cleanup(func() {
		if !t.Failed() { // a failed test may have left the store locked
			require.NoError(t, s.Close())
		}
	})
	return s
}

func mustIntegration(t *testing.T, s *Store, tenant string) *store.Integration {
	t.Helper()
	in := &store.Integration{TenantID: tenant, Provider: "imap", Name: "Support", Config: []byte(`{"host":"imap.example.com"}`)}
	require.NoError(t, s.CreateIntegration(t.Context(), in, connector.Credentials{Username: "u", Password: "pw"}))
	return in
}

func msg(n int) *connector.Message {
	return &connector.Message{
		ProviderID: fmt.Sprintf("INBOX/1/%d", n),
		ThreadID:   "thread-" + strconv.Itoa(n),
		Subject:    "Subject " + strconv.Itoa(n),
		To:         []connector.Address{{Email: "support@example.com"}},
		Flags:      []string{connector.FlagSeen},
		Labels:     []string{"Support"},
		Folders:    []string{"INBOX"},
		Headers:    connector.Header{"List-Id": {"<l.example.com>"}},
		Attachments: []connector.Attachment{
			{ID: "2", Filename: "a.txt", Content: []byte("attachment body")},
		},
	}
}

func msgs(from, to int) []*connector.Message {
	var out []*connector.Message
	for n := from; n < to; n++ {
		out = append(out, msg(n))
	}
	return out
}

// commit commits a batch at the integration's current version.
func commit(t *testing.T, s *Store, in *store.Integration, batch []*connector.Message, changes ...connector.Change) *store.SyncResult {
	t.Helper()
	st, err := s.SyncState(t.Context(), in.TenantID, in.ID)
	require.NoError(t, err)
	res, err := s.CommitSync(t.Context(), &store.SyncCommit{
		TenantID: in.TenantID, IntegrationID: in.ID, Version: st.Version,
		Cursor: connector.Cursor("c" + strconv.FormatInt(st.Version+1, 10)), Messages: batch, Changes: changes,
	})
	require.NoError(t, err)
	return res
}

// within runs fn and fails the test if it does not return within a
// second, so that a deadlock fails instead of hanging.
func within(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("deadlock: the call did not return")
	}
}

// dump writes every string, byte slice and number the store holds, raw,
// as a heap dump would show them. It is the storetest harness's Dump.
func (s *Store) dump(context.Context) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []byte
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Map:
			iter := v.MapRange()
			for iter.Next() {
				walk(iter.Key())
				walk(iter.Value())
			}
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 && v.Kind() == reflect.Slice {
				out = append(out, v.Bytes()...)
				out = append(out, '\n')
				return
			}
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.String:
			out = append(out, v.String()...)
			out = append(out, '\n')
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			out = strconv.AppendInt(out, v.Int(), 10)
			out = append(out, '\n')
		default:
			// Channels (row locks), bools, unsigned numbers: no secret.
		}
	}
	walk(reflect.ValueOf(s.t))
	return out, nil
}
