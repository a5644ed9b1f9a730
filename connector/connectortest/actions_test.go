package connectortest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

// fakeFolders is a provider with folders, kept in memory, whose
// Modifier can be broken in one way or another, to see the suite catch
// it.
type fakeFolders struct {
	mu     sync.Mutex
	next   int
	msgs   map[string]*fakeMsg // by provider id
	broken string
}

type fakeMsg struct {
	messageID     string
	folder        string
	seen, flagged bool
	labels        []string
}

var fakeFolderList = []connector.Folder{
	{ID: "inbox", Name: "Inbox", Role: connector.RoleInbox, System: true, Selectable: true, Counted: true},
	{ID: "archive", Name: "Archive", Role: connector.RoleArchive, System: true, Selectable: true, Counted: true},
	{ID: "work", Name: "Work", Selectable: true, Counted: true},
	{ID: "work/old", Name: "old", Parent: "work", Selectable: true, Counted: true},
}

func (f *fakeFolders) Folders(context.Context) ([]connector.Folder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(fakeFolderList)
	for i := range out {
		for _, m := range f.msgs {
			if m.folder == out[i].ID {
				out[i].Total++
				if !m.seen {
					out[i].Unseen++
				}
			}
		}
	}
	if f.broken == "parent" {
		out[3].Parent = "nowhere"
	}
	return out, nil
}

func (f *fakeFolders) ActionSupport() connector.ActionSupport {
	return connector.ActionSupport{Seen: true, Flagged: true, Labels: true, Move: true, MaxBatch: 5}
}

func (f *fakeFolders) Modify(_ context.Context, refs []connector.MessageRef, a connector.Action) ([]connector.ActionResult, error) {
	if f.broken != "no-maxbatch" && len(refs) > f.ActionSupport().MaxBatch {
		return nil, &connector.ValidationError{Fields: []connector.FieldError{{Field: "messages", Message: "too many"}}}
	}
	if f.broken == "mark-first" && a.Seen != nil {
		f.mark(refs, a)
	}
	if err := a.Validate(f.ActionSupport()); err != nil {
		return nil, err
	}
	dest := a.MoveTo
	if a.MoveToRole != connector.RoleNone {
		fd, ok := connector.FolderByRole(fakeFolderList, a.MoveToRole)
		if !ok {
			return nil, &connector.ValidationError{Fields: []connector.FieldError{{Field: "role", Message: "no such folder"}}}
		}
		dest = fd.ID
	}
	if dest != "" && !slices.ContainsFunc(fakeFolderList, func(fd connector.Folder) bool { return fd.ID == dest }) && f.broken != "any-folder" {
		return nil, &connector.ValidationError{Fields: []connector.FieldError{{Field: "folder", Message: "no such folder"}}}
	}
	f.mark(refs, a)
	f.mu.Lock()
	defer f.mu.Unlock()
	res := make([]connector.ActionResult, len(refs))
	for i, r := range refs {
		res[i].Ref = r
		m := f.msgs[r.ProviderID]
		if m == nil {
			if f.broken != "not-found" {
				res[i].Err = connector.NotFoundError("fake: modify", fmt.Errorf("no message %s", r.ProviderID))
			}
			continue
		}
		if dest != "" {
			m.folder = dest
		}
		res[i].ProviderID = r.ProviderID
	}
	return res, nil
}

func (f *fakeFolders) mark(refs []connector.MessageRef, a connector.Action) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range refs {
		m := f.msgs[r.ProviderID]
		if m == nil {
			continue
		}
		if a.Seen != nil && (*a.Seen || f.broken != "sticky-seen") {
			m.seen = *a.Seen
		}
		if a.Flagged != nil {
			m.flagged = *a.Flagged
		}
		m.labels = append(m.labels, a.AddLabels...)
		m.labels = slices.DeleteFunc(m.labels, func(l string) bool { return slices.Contains(a.RemoveLabels, l) })
	}
}

func (f *fakeFolders) fixture() connectortest.ActionsFixture {
	find := func(messageID string) (string, *fakeMsg) {
		for id, m := range f.msgs {
			if m.messageID == messageID {
				return id, m
			}
		}
		return "", nil
	}
	return connectortest.ActionsFixture{
		Plant: func(_ context.Context, raw []byte) (connector.MessageRef, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			_, v, _ := bytes.Cut(raw, []byte("Message-ID: <"))
			v, _, _ = bytes.Cut(v, []byte(">"))
			f.next++
			id := fmt.Sprintf("m%d", f.next)
			f.msgs[id] = &fakeMsg{messageID: string(v), folder: "inbox"}
			return connector.MessageRef{ProviderID: id}, nil
		},
		State: func(_ context.Context, messageID string) (connectortest.MessageState, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			_, m := find(messageID)
			if m == nil {
				return connectortest.MessageState{}, nil
			}
			return connectortest.MessageState{Exists: true, Seen: m.seen, Flagged: m.flagged, Folders: []string{m.folder}, Labels: slices.Clone(m.labels)}, nil
		},
		Remove: func(_ context.Context, messageID string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			id, _ := find(messageID)
			delete(f.msgs, id)
			return nil
		},
		Folder: "inbox", MoveTo: "work/old",
		MoveToRole: connector.RoleArchive, RoleFolder: "archive",
		MissingRole: connector.RoleJunk,
		Label:       "Label_1",
	}
}

// brokenEnv, when set, makes TestFakeFoldersAndActions run against a
// fake broken that way, in the child process of TestSuiteCatches.
const brokenEnv = "CONNECTORTEST_BROKEN"

func TestFakeFoldersAndActions(t *testing.T) {
	f := &fakeFolders{msgs: map[string]*fakeMsg{}, broken: os.Getenv(brokenEnv)}
	connectortest.RunFolders(t, f, connectortest.FolderExpectations{
		Roles:   []connector.Role{connector.RoleArchive},
		Present: []string{"work/old"},
		Counts:  map[string]connectortest.FolderCount{"work": {}},
	})
	connectortest.RunActions(t, f, f.fixture())
}

// TestSuiteCatches runs the suites against fakes broken in one way each,
// in a child process, and requires them to fail, saying why.
func TestSuiteCatches(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in the child process")
	}
	t.Parallel()
	for broken, want := range map[string]string{
		"parent":      `has Parent "nowhere", which is not listed`,
		"no-maxbatch": "a batch of MaxBatch+1 (6) messages must be refused",
		"mark-first":  "an invalid action: the message was marked seen",
		"sticky-seen": "marked unseen: the provider has it seen",
		"any-folder":  "must be refused",
		"not-found":   "the message the provider no longer has",
	} {
		t.Run(broken, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestFakeFoldersAndActions$", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+broken)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the suite passed a fake broken with %q:\n%s", broken, out)
			require.True(t, strings.Contains(string(out), want), "the suite's failure for %q does not say %q:\n%s", broken, want, out)
		})
	}
}
