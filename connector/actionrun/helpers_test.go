package actionrun_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/secrets"
)

// stores returns the stores to run a test on: memory, and PostgreSQL (a
// schema of the test's own), skipped (failed under REQUIRE_SERVICES=1)
// without TEST_DATABASE_URL.
func stores() map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"memory": func(t *testing.T) store.Store {
			st, err := memory.New(memory.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
		"postgres": func(t *testing.T) store.Store {
			ring, err := secrets.ParseKeyring("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			require.NoError(t, err)
			st, err := postgres.Open(t.Context(), pgtest.URL(t), postgres.Options{Keyring: ring, Migrate: true, Logger: quiet()})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		},
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// box is a fake mailbox whose connector (boxConn) is a Modifier and a
// FolderLister shaped like IMAP: a message's ProviderID names its folder
// and UID ("INBOX/3"), so that a move gives it a new one; or, with
// labels, like Gmail.
type box struct {
	mu      sync.Mutex
	support connector.ActionSupport
	folders []connector.Folder
	msgs    map[string]*boxMsg // by ProviderID
	next    int
	calls   [][]connector.MessageRef
	listed  int
	fail    error // returned by the next Modify
	// refuse: messages the provider refuses, by ProviderID.
	refuse map[string]error
	// noModify: the connector is not a Modifier; noFolders: not a
	// FolderLister.
	noModify, noFolders bool
}

type boxMsg struct {
	folder string
	flags  []string
	labels []string
}

func newBox() *box {
	return &box{
		support: connector.ActionSupport{Seen: true, Flagged: true, Move: true},
		folders: []connector.Folder{
			{ID: "INBOX", Name: "INBOX", Role: connector.RoleInbox, System: true, Selectable: true},
			{ID: "Archive", Name: "Archive", Role: connector.RoleArchive, System: true, Selectable: true},
			{ID: "Trash", Name: "Trash", Role: connector.RoleTrash, System: true, Selectable: true},
			{ID: "Lists", Name: "Lists", Selectable: false},
			{ID: "Lists/Go", Name: "Go", Parent: "Lists", Selectable: true},
		},
		msgs: map[string]*boxMsg{},
	}
}

// add puts a message into folder and returns it as a connector reports
// it.
func (b *box) add(folder string) *connector.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	id := fmt.Sprintf("%s/%d", folder, b.next)
	b.msgs[id] = &boxMsg{folder: folder}
	return &connector.Message{
		ProviderID: id, ProviderRef: "ref-" + id, MessageID: fmt.Sprintf("m%d@example.org", b.next),
		Subject: fmt.Sprintf("Question %d", b.next), Folders: []string{folder},
	}
}

// remove deletes a message at the provider, as someone else would.
func (b *box) remove(providerID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.msgs, providerID)
}

func (b *box) state(providerID string) (boxMsg, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.msgs[providerID]
	if !ok {
		return boxMsg{}, false
	}
	return *m, true
}

func (b *box) modifyCalls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

// connect is a syncrun.ConnectFunc.
func (b *box) connect(_ context.Context, in *store.Integration) (connector.Connector, error) {
	c := &boxConn{b: b, provider: in.Provider}
	switch {
	case b.noModify:
		return struct{ connector.Connector }{c}, nil
	case b.noFolders:
		return struct {
			connector.Connector
			connector.Modifier
		}{c, c}, nil
	}
	return c, nil
}

type boxConn struct {
	b        *box
	provider string
}

func (c *boxConn) Provider() string           { return c.provider }
func (c *boxConn) Test(context.Context) error { return nil }
func (c *boxConn) Sync(context.Context, connector.Cursor, connector.BatchFunc) error {
	return connector.ErrUnsupported
}
func (c *boxConn) Send(context.Context, *connector.OutboundMessage) (*connector.SendResult, error) {
	return nil, connector.ErrUnsupported
}

func (c *boxConn) Folders(context.Context) ([]connector.Folder, error) {
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	c.b.listed++
	return slices.Clone(c.b.folders), nil
}

func (c *boxConn) ActionSupport() connector.ActionSupport { return c.b.support }

func (c *boxConn) Modify(_ context.Context, refs []connector.MessageRef, a connector.Action) ([]connector.ActionResult, error) {
	b := c.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, slices.Clone(refs))
	if err := b.fail; err != nil {
		b.fail = nil
		return nil, err
	}
	if err := a.Validate(b.support); err != nil {
		return nil, err
	}
	if b.support.ChecksTargets {
		if err := b.checkTargetLocked(a); err != nil {
			return nil, err
		}
	}
	out := make([]connector.ActionResult, len(refs))
	for i, ref := range refs {
		out[i].Ref = ref
		if err := b.refuse[ref.ProviderID]; err != nil {
			out[i].Err = err
			continue
		}
		m, ok := b.msgs[ref.ProviderID]
		if !ok {
			out[i].Err = fmt.Errorf("box: %s: %w", ref.ProviderID, connector.ErrNotFound)
			continue
		}
		set := func(flag string, on *bool) {
			if on == nil {
				return
			}
			m.flags = slices.DeleteFunc(m.flags, func(f string) bool { return f == flag })
			if *on {
				m.flags = append(m.flags, flag)
			}
		}
		set(connector.FlagSeen, a.Seen)
		set(connector.FlagFlagged, a.Flagged)
		m.labels = slices.DeleteFunc(m.labels, func(l string) bool { return slices.Contains(a.RemoveLabels, l) })
		for _, l := range a.AddLabels {
			if !slices.Contains(m.labels, l) {
				m.labels = append(m.labels, l)
			}
		}
		id := ref.ProviderID
		target := a.MoveTo
		if a.MoveToRole != connector.RoleNone {
			f, _ := connector.FolderByRole(b.folders, a.MoveToRole)
			target = f.ID
		}
		if target != "" && target != m.folder {
			delete(b.msgs, id)
			b.next++
			id = fmt.Sprintf("%s/%d", target, b.next)
			m.folder = target
			b.msgs[id] = m
		}
		out[i].ProviderID, out[i].ProviderRef = id, "ref-"+id
		out[i].Flags, out[i].Labels, out[i].Folders, out[i].Known = slices.Clone(m.flags), slices.Clone(m.labels), []string{m.folder}, true
	}
	return out, nil
}

// fixture is an integration of tenant acme with messages stored as a
// sync would have, and a Runner acting on its box.
type fixture struct {
	st     store.Store
	in     *store.Integration
	box    *box
	runner *actionrun.Runner
	pub    *published
	msgs   []*store.Message // stored, in order
}

func newFixture(t *testing.T, st store.Store, provider string, n int, opts actionrun.Options) *fixture {
	t.Helper()
	f := &fixture{st: st, box: newBox(), pub: &published{}}
	f.in = &store.Integration{TenantID: "acme", Provider: provider, Name: "Support"}
	require.NoError(t, st.CreateIntegration(t.Context(), f.in, connector.Credentials{}))
	var batch []*connector.Message
	for range n {
		batch = append(batch, f.box.add("INBOX"))
	}
	if n > 0 {
		res, err := st.CommitSync(t.Context(), &store.SyncCommit{TenantID: "acme", IntegrationID: f.in.ID, Cursor: "c1", Messages: batch})
		require.NoError(t, err)
		f.msgs = res.Inserted
	}
	if opts.Connect == nil {
		opts.Connect = f.box.connect
	}
	if opts.Publish == nil {
		opts.Publish = f.pub.add
	}
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	r, err := actionrun.New(st, opts)
	require.NoError(t, err)
	f.runner = r
	return f
}

// do runs action on the fixture's messages ids.
func (f *fixture) do(t *testing.T, a connector.Action, ids ...string) (*actionrun.Result, error) {
	t.Helper()
	return f.runner.Do(t.Context(), &actionrun.Request{TenantID: "acme", IntegrationID: f.in.ID, MessageIDs: ids, Action: a})
}

// message reads a stored message again.
func (f *fixture) message(t *testing.T, id string) *store.Message {
	t.Helper()
	m, err := f.st.GetMessage(t.Context(), "acme", f.in.ID, id)
	require.NoError(t, err)
	return m
}

// events returns the integration's stored events of the types given
// (all when none).
func (f *fixture) events(t *testing.T, types ...string) []*store.Event {
	t.Helper()
	page, err := f.st.ListEvents(t.Context(), "acme", store.ListEventsOptions{IntegrationID: f.in.ID, ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	require.NoError(t, err)
	var out []*store.Event
	for _, ev := range page.Items {
		if len(types) == 0 || slices.Contains(types, ev.Type) {
			out = append(out, ev)
		}
	}
	return out
}

// published records the events a Runner published.
type published struct {
	mu     sync.Mutex
	events []*store.Event
}

func (p *published) add(_ context.Context, events ...*store.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, events...)
}

func (p *published) types() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, ev := range p.events {
		out = append(out, ev.Type)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// fields returns the field names of a *connector.ValidationError.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var ve *connector.ValidationError
	require.ErrorAs(t, err, &ve)
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

// checkTargetLocked refuses a move to a folder or role the box does not
// have, as a connector with ActionSupport.ChecksTargets does. b.mu is
// held.
func (b *box) checkTargetLocked(a connector.Action) error {
	v := &connector.ValidationError{Context: "box: invalid action"}
	if a.MoveTo != "" && !slices.ContainsFunc(b.folders, func(f connector.Folder) bool { return f.ID == a.MoveTo && f.Selectable }) {
		v.Addf("folder", "no folder %q", a.MoveTo)
	}
	if a.MoveToRole != connector.RoleNone {
		if _, ok := connector.FolderByRole(b.folders, a.MoveToRole); !ok {
			v.Addf("role", "no folder has the role %q", string(a.MoveToRole))
		}
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// listedCount is how many times Folders was called.
func (b *box) listedCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.listed
}
