package imap

import (
	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/uidset"
)

// A message moved by another client from one synced folder to another
// vanishes from the first and arrives in the second with a new UID, and
// with a new ProviderID, which names the folder (identity.go). Its
// ProviderID without the folder, the digest of what the server keeps of
// it, is the same in both: that is how Sync tells a move from a deletion
// and a new message.
//
// Sync cannot know which message a vanished UID was (it is gone), but
// the caller's store does: it keeps each message's ProviderRef. So a
// batch of new messages carries, while UIDs have vanished from synced
// folders, the refs of those UIDs (connector.ChangeVanished) and, for each
// new message, a connector.ChangeMoved from the ProviderID the message
// would have had in each folder with vanished UIDs: the store moves the
// message holding such a ref and that ProviderID, and inserts the others.
// A copy (the source still in its folder) is not a move: its ref has not
// vanished.
//
// Limits: a move made while a sync runs, between its look at the source
// folder and its look at the target, is seen by that sync as a new
// message (its received event sent) and by the next one as a deletion.
// Two copies of one message (same digest) vanishing from a folder and
// arriving in another move in the order of the store's choosing.

// moveHints returns the changes that let the caller see the new messages
// msgs of folder i as moves from other synced folders: nil when no UID
// vanished from another folder.
func (s *syncRun) moveHints(i int, msgs []*connector.Message) []connector.Change {
	var sources []int
	for j, plan := range s.plans {
		if j != i && plan != nil && !plan.vanished.IsEmpty() {
			sources = append(sources, j)
		}
	}
	if len(sources) == 0 || len(msgs) == 0 {
		return nil
	}
	var changes []connector.Change
	for _, m := range msgs {
		_, digest, ok := splitProviderID(m.ProviderID)
		if !ok {
			continue
		}
		for _, j := range sources {
			changes = append(changes, connector.Change{Kind: connector.ChangeMoved,
				ProviderID: s.states[j].name + "/" + digest, Target: m.ProviderID})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	var vanished []connector.Change
	for _, j := range sources {
		vanished = append(vanished, vanishedChanges(s.states[j], s.plans[j].vanished, connector.ChangeVanished)...)
	}
	return append(vanished, changes...)
}

// vanishedChanges returns a change of kind naming each UID of uids in
// st's folder by its ProviderRef.
func vanishedChanges(st *folderState, uids uidset.Set, kind connector.ChangeKind) []connector.Change {
	var out []connector.Change
	for _, r := range uids.Ranges() {
		for uid := r.Start; ; uid++ {
			ch := connector.Change{Kind: kind, ProviderRef: providerRef(st.name, st.uidValidity, uid)}
			if kind == connector.ChangeDeleted {
				ch.Reason = "expunged"
			}
			out = append(out, ch)
			if uid == r.Stop {
				break
			}
		}
	}
	return out
}
