package connectortest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// planted is a message an action check put in the mailbox.
type planted struct {
	messageID string
	ref       connector.MessageRef
}

// plant puts a new message into the fixture's Folder.
func (s *actionSuite) plant(t *testing.T) planted {
	t.Helper()
	s.n++
	m := NewTestMessage("act-"+s.run, s.n)
	ref, err := s.f.Plant(s.ctx, m.Raw())
	require.NoError(t, err, "ActionsFixture.Plant")
	require.NotEmpty(t, ref.ProviderID, "ActionsFixture.Plant returned no ProviderID")
	return planted{messageID: m.MessageID, ref: ref}
}

// state reads a message at the provider.
func (s *actionSuite) state(t *testing.T, p planted) MessageState {
	t.Helper()
	st, err := s.f.State(s.ctx, p.messageID)
	require.NoError(t, err, "ActionsFixture.State")
	return st
}

// modify calls Modify and checks the results' shape: one per message, in
// order, each naming the message it was given.
func (s *actionSuite) modify(t *testing.T, refs []connector.MessageRef, a connector.Action) []connector.ActionResult {
	t.Helper()
	res, err := s.m.Modify(s.ctx, refs, a)
	require.NoError(t, err, "Modify")
	require.Len(t, res, len(refs), "Modify must return one result per message")
	for i, r := range res {
		require.Equal(t, refs[i], r.Ref, "result %d must name the message given at %d", i, i)
	}
	return res
}

// modifyOne applies a to p, requires it done, and returns p's new
// identity.
func (s *actionSuite) modifyOne(t *testing.T, p planted, a connector.Action) (planted, connector.ActionResult) {
	t.Helper()
	r := s.modify(t, []connector.MessageRef{p.ref}, a)[0]
	require.NoError(t, r.Err, "the result of %s", describe(a))
	require.NotEmpty(t, r.ProviderID, "a done action's result carries the message's ProviderID")
	p.ref = connector.MessageRef{ProviderID: r.ProviderID, ProviderRef: r.ProviderRef}
	return p, r
}

// requireUnchanged checks that p is as planted: in Folder, unseen,
// unflagged.
func (s *actionSuite) requireUnchanged(t *testing.T, p planted, why string) {
	t.Helper()
	st := s.state(t, p)
	require.True(t, st.Exists, "%s: the message is gone", why)
	require.False(t, st.Seen, "%s: the message was marked seen", why)
	require.False(t, st.Flagged, "%s: the message was flagged", why)
	if s.f.Folder != "" {
		require.Equal(t, []string{s.f.Folder}, st.Folders, "%s: the message was moved", why)
	}
}

func describe(a connector.Action) string {
	var parts []string
	if a.Seen != nil {
		parts = append(parts, fmt.Sprintf("seen=%v", *a.Seen))
	}
	if a.Flagged != nil {
		parts = append(parts, fmt.Sprintf("flagged=%v", *a.Flagged))
	}
	if len(a.AddLabels) > 0 {
		parts = append(parts, fmt.Sprintf("add_labels=%v", a.AddLabels))
	}
	if len(a.RemoveLabels) > 0 {
		parts = append(parts, fmt.Sprintf("remove_labels=%v", a.RemoveLabels))
	}
	if a.MoveTo != "" {
		parts = append(parts, "folder="+a.MoveTo)
	}
	if a.MoveToRole != connector.RoleNone {
		parts = append(parts, "role="+string(a.MoveToRole))
	}
	return fmt.Sprint(parts)
}

func ptr(b bool) *bool { return &b }

// markAction is an action every Modifier with Seen or Flagged can do,
// and the state it leads to.
func (s *actionSuite) markAction(t *testing.T) (connector.Action, func(MessageState) bool) {
	t.Helper()
	switch {
	case s.sup.Seen:
		return connector.Action{Seen: ptr(true)}, func(st MessageState) bool { return st.Seen }
	case s.sup.Flagged:
		return connector.Action{Flagged: ptr(true)}, func(st MessageState) bool { return st.Flagged }
	}
	t.Skip("the connector can neither mark messages seen nor flag them")
	return connector.Action{}, nil
}

func checkSeen(t *testing.T, s *actionSuite) {
	if !s.sup.Seen {
		t.Skip("ActionSupport.Seen is false")
	}
	p := s.plant(t)
	p, r := s.modifyOne(t, p, connector.Action{Seen: ptr(true)})
	st := s.state(t, p)
	require.True(t, st.Seen, "marked seen: the provider has it unseen")
	require.False(t, st.Flagged, "marked seen: the provider has it flagged")
	if r.Known {
		require.Contains(t, r.Flags, connector.FlagSeen, "the result's Flags after marking seen")
	}
	_, r = s.modifyOne(t, p, connector.Action{Seen: ptr(false)})
	require.False(t, s.state(t, p).Seen, "marked unseen: the provider has it seen")
	if r.Known {
		require.NotContains(t, r.Flags, connector.FlagSeen, "the result's Flags after marking unseen")
	}
}

func checkFlagged(t *testing.T, s *actionSuite) {
	if !s.sup.Flagged {
		t.Skip("ActionSupport.Flagged is false")
	}
	p := s.plant(t)
	p, r := s.modifyOne(t, p, connector.Action{Flagged: ptr(true)})
	st := s.state(t, p)
	require.True(t, st.Flagged, "flagged: the provider has it unflagged")
	require.False(t, st.Seen, "flagged: the provider has it seen")
	if r.Known {
		require.Contains(t, r.Flags, connector.FlagFlagged, "the result's Flags after flagging")
	}
	_, r = s.modifyOne(t, p, connector.Action{Flagged: ptr(false)})
	require.False(t, s.state(t, p).Flagged, "unflagged: the provider has it flagged")
	if r.Known {
		require.NotContains(t, r.Flags, connector.FlagFlagged, "the result's Flags after unflagging")
	}
}

// checkRepeated: an action done twice is done once (Modify's callers
// retry).
func checkRepeated(t *testing.T, s *actionSuite) {
	a, done := s.markAction(t)
	p := s.plant(t)
	p, _ = s.modifyOne(t, p, a)
	p, _ = s.modifyOne(t, p, a)
	require.True(t, done(s.state(t, p)), "after %s twice", describe(a))
}

func checkBatch(t *testing.T, s *actionSuite) {
	a, done := s.markAction(t)
	n := 3
	if s.sup.MaxBatch > 0 {
		n = min(n, s.sup.MaxBatch)
	}
	var ps []planted
	var refs []connector.MessageRef
	for range n {
		p := s.plant(t)
		ps = append(ps, p)
		refs = append(refs, p.ref)
	}
	for i, r := range s.modify(t, refs, a) {
		require.NoError(t, r.Err, "result %d", i)
		require.True(t, done(s.state(t, ps[i])), "message %d of the batch after %s", i, describe(a))
	}
}

// checkMaxBatch: a batch over MaxBatch is refused whole.
func checkMaxBatch(t *testing.T, s *actionSuite) {
	if s.sup.MaxBatch <= 0 {
		t.Skip("ActionSupport.MaxBatch is 0: no limit")
	}
	a, _ := s.markAction(t)
	p := s.plant(t)
	refs := make([]connector.MessageRef, s.sup.MaxBatch+1)
	for i := range refs {
		refs[i] = p.ref
	}
	res, err := s.m.Modify(s.ctx, refs, a)
	require.Error(t, err, "a batch of MaxBatch+1 (%d) messages must be refused", len(refs))
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v, "a batch over MaxBatch is refused with a *connector.ValidationError")
	require.Nil(t, res, "a refused call returns no results")
	s.requireUnchanged(t, p, "a batch over MaxBatch")
}

// checkActionNotFound: a message the provider no longer has fails alone.
func checkActionNotFound(t *testing.T, s *actionSuite) {
	if s.f.Remove == nil {
		t.Skip("ActionsFixture.Remove is nil")
	}
	a, done := s.markAction(t)
	if s.sup.MaxBatch == 1 {
		t.Skip("MaxBatch 1: no batch of two")
	}
	kept, gone := s.plant(t), s.plant(t)
	require.NoError(t, s.f.Remove(s.ctx, gone.messageID), "ActionsFixture.Remove")
	res := s.modify(t, []connector.MessageRef{kept.ref, gone.ref}, a)
	require.NoError(t, res[0].Err, "the message the provider has")
	require.True(t, done(s.state(t, kept)), "the message the provider has must be changed beside one it no longer has")
	require.Error(t, res[1].Err, "the message the provider no longer has")
	require.True(t, errors.Is(res[1].Err, connector.ErrNotFound), "the result of a message the provider no longer has: want ErrNotFound, got %v", res[1].Err)
	require.False(t, s.state(t, gone).Exists, "ActionsFixture.Remove did not remove the message")

	// The same, with a move.
	if s.sup.Move {
		kept, gone = s.plant(t), s.plant(t)
		require.NoError(t, s.f.Remove(s.ctx, gone.messageID), "ActionsFixture.Remove")
		res = s.modify(t, []connector.MessageRef{gone.ref, kept.ref}, connector.Action{MoveTo: s.f.MoveTo})
		require.True(t, errors.Is(res[0].Err, connector.ErrNotFound), "moving a message the provider no longer has: want ErrNotFound, got %v", res[0].Err)
		require.NoError(t, res[1].Err, "moving the message the provider has")
		require.Equal(t, []string{s.f.MoveTo}, s.state(t, kept).Folders, "the message the provider has must be moved beside one it no longer has")
	}
}

// checkInvalidActions: each is refused naming its field, changing
// nothing.
func checkInvalidActions(t *testing.T, s *actionSuite) {
	p := s.plant(t)
	type invalid struct {
		name   string
		action connector.Action
		field  string
	}
	cases := []invalid{
		{"nothing", connector.Action{}, "action"},
		{"folder and role", connector.Action{MoveTo: s.f.Folder + "x", MoveToRole: connector.RoleArchive}, "role"},
		{"unknown role", connector.Action{MoveToRole: "attic"}, "role"},
	}
	if !s.sup.Seen {
		cases = append(cases, invalid{"seen unsupported", connector.Action{Seen: ptr(true)}, "seen"})
	}
	if !s.sup.Flagged {
		cases = append(cases, invalid{"flagged unsupported", connector.Action{Flagged: ptr(true)}, "flagged"})
	}
	if s.sup.Labels {
		cases = append(cases,
			invalid{"empty label", connector.Action{AddLabels: []string{""}}, "add_labels[0]"},
			invalid{"label added and removed", connector.Action{AddLabels: []string{s.f.Label}, RemoveLabels: []string{s.f.Label}}, "remove_labels"})
	} else {
		cases = append(cases,
			invalid{"add labels unsupported", connector.Action{AddLabels: []string{"x"}}, "add_labels"},
			invalid{"remove labels unsupported", connector.Action{RemoveLabels: []string{"x"}}, "remove_labels"})
	}
	if s.sup.Move {
		cases = append(cases, invalid{"unknown folder", connector.Action{MoveTo: "connectortest-no-such-folder-" + s.run}, "folder"})
		if s.f.MissingRole != connector.RoleNone {
			cases = append(cases, invalid{"role without a folder", connector.Action{MoveToRole: s.f.MissingRole}, "role"})
		}
		// A mark with a bad destination: nothing is marked either.
		if s.sup.Seen {
			cases = append(cases, invalid{"seen and unknown folder", connector.Action{Seen: ptr(true), MoveTo: "connectortest-no-such-folder-" + s.run}, "folder"})
		}
	} else {
		cases = append(cases, invalid{"move unsupported", connector.Action{MoveTo: "x"}, "folder"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := s.m.Modify(s.ctx, []connector.MessageRef{p.ref}, c.action)
			require.Error(t, err, "Modify(%s) must be refused", describe(c.action))
			var v *connector.ValidationError
			require.ErrorAs(t, err, &v, "Modify(%s): want a *connector.ValidationError, got %v", describe(c.action), err)
			require.True(t, slices.ContainsFunc(v.Fields, func(f connector.FieldError) bool { return f.Field == c.field }),
				"Modify(%s) must name field %q, named %v", describe(c.action), c.field, v.Fields)
			require.Nil(t, res, "a refused call returns no results")
			s.requireUnchanged(t, p, "an invalid action")
		})
	}
}

// moveAndBack moves p with a, checks it arrived in folder, moves it back
// to Folder by the identity the move returned, and checks it is back.
func (s *actionSuite) moveAndBack(t *testing.T, p planted, a connector.Action, folder string) planted {
	t.Helper()
	p, r := s.modifyOne(t, p, a)
	st := s.state(t, p)
	require.True(t, st.Exists, "after %s the message is gone", describe(a))
	require.Contains(t, st.Folders, folder, "after %s the message is not in %q", describe(a), folder)
	require.NotContains(t, st.Folders, s.f.Folder, "after %s the message is still in %q", describe(a), s.f.Folder)
	if r.Known && len(r.Folders) > 0 {
		require.Contains(t, r.Folders, folder, "the result's Folders after %s", describe(a))
	}
	back := connector.Action{MoveTo: s.f.Folder}
	p, r = s.modifyOne(t, p, back)
	st = s.state(t, p)
	require.Equal(t, []string{s.f.Folder}, st.Folders, "moved back with the identity the move returned")
	if r.Known && len(r.Folders) > 0 {
		require.Contains(t, r.Folders, s.f.Folder, "the result's Folders after moving back")
	}
	return p
}

func checkMoveToFolder(t *testing.T, s *actionSuite) {
	if !s.sup.Move {
		t.Skip("ActionSupport.Move is false")
	}
	p := s.plant(t)
	p = s.moveAndBack(t, p, connector.Action{MoveTo: s.f.MoveTo}, s.f.MoveTo)
	// The identity the last move returned still names the message.
	a, done := s.markAction(t)
	p, _ = s.modifyOne(t, p, a)
	require.True(t, done(s.state(t, p)), "%s with the identity a move returned", describe(a))
}

func checkMoveToRole(t *testing.T, s *actionSuite) {
	if !s.sup.Move {
		t.Skip("ActionSupport.Move is false")
	}
	if s.f.MoveToRole == connector.RoleNone {
		t.Skip("ActionsFixture.MoveToRole is not set")
	}
	p := s.plant(t)
	s.moveAndBack(t, p, connector.Action{MoveToRole: s.f.MoveToRole}, s.f.RoleFolder)
}

// checkMoveAndMark: a mark and a move in one action do both.
func checkMoveAndMark(t *testing.T, s *actionSuite) {
	if !s.sup.Move {
		t.Skip("ActionSupport.Move is false")
	}
	a, done := s.markAction(t)
	a.MoveTo = s.f.MoveTo
	p := s.plant(t)
	p, _ = s.modifyOne(t, p, a)
	st := s.state(t, p)
	require.True(t, done(st), "after %s the message is not marked", describe(a))
	require.Contains(t, st.Folders, s.f.MoveTo, "after %s the message is not in %q", describe(a), s.f.MoveTo)
	require.NotContains(t, st.Folders, s.f.Folder, "after %s the message is still in %q", describe(a), s.f.Folder)
}

func checkLabels(t *testing.T, s *actionSuite) {
	if !s.sup.Labels {
		t.Skip("ActionSupport.Labels is false")
	}
	p := s.plant(t)
	p, r := s.modifyOne(t, p, connector.Action{AddLabels: []string{s.f.Label}})
	require.Contains(t, s.state(t, p).Labels, s.f.Label, "after adding label %q", s.f.Label)
	if r.Known {
		require.Contains(t, r.Labels, s.f.Label, "the result's Labels after adding %q", s.f.Label)
	}
	_, r = s.modifyOne(t, p, connector.Action{RemoveLabels: []string{s.f.Label}})
	require.NotContains(t, s.state(t, p).Labels, s.f.Label, "after removing label %q", s.f.Label)
	if r.Known {
		require.NotContains(t, r.Labels, s.f.Label, "the result's Labels after removing %q", s.f.Label)
	}
}
