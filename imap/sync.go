package imap

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/uidset"
)

// Sync pulls what changed in Config.Folders since cursor and hands it to
// fn in batches of at most Config.BatchSize messages (see
// connector.Syncer), in three passes over the folders, in order.
//
// First, for each folder, it EXAMINEs it (read-only, with CONDSTORE when
// the server has it) and compares with the folder's part of the cursor:
//   - a changed UIDVALIDITY starts the folder over: a
//     connector.ChangeResync for the folder, then every message again,
//     with the same ProviderIDs and new ProviderRefs. A message the
//     folder holds at the resync is History if it was received
//     (INTERNALDATE) before the integration's mark, whose time the
//     cursor keeps (BackfillCursor); one received at or after it is
//     not: it is new mail, which a store either has already (the same
//     ProviderID: neither stored nor announced again) or never saw (it
//     arrived after the last sync, before the renumbering) and
//     announces once. A cursor without the mark's time (from the zero
//     Cursor, or written before the time was kept) reports everything
//     the folder holds at the resync as History, as does a cursor Sync
//     cannot read;
//   - UIDs the cursor holds that UID SEARCH ALL no longer finds have
//     vanished: they are reported in the third pass;
//   - with CONDSTORE, flag changes since the cursor's HIGHESTMODSEQ come
//     as connector.ChangeFlags with both ProviderID and ProviderRef
//     (UID FETCH ... (CHANGEDSINCE m)); without CONDSTORE flag changes of
//     messages already reported are not detected.
//
// A folder's resync marker and flag changes come in a batch of their
// own. Second, the new UIDs of each folder are fetched with BODY.PEEK[]
// (never marking them \Seen) in UID batches, parsed by the module's MIME
// parser while the next messages stream in, and handed out in UID order.
// Third, one batch reports the vanished UIDs as connector.ChangeDeleted
// by ProviderRef (the sync cannot know the ProviderID of a message that
// is gone).
//
// Moves between synced folders keep the message (see moves.go): while
// UIDs have vanished from a folder, each batch of new messages carries
// the vanished refs (connector.ChangeVanished) and, for each new message,
// a connector.ChangeMoved naming the ProviderID the same message had in
// each such folder. The caller then moves its stored message instead of
// storing a new one, and the deletion that follows finds nothing. The
// deletions come last, whatever the order of the folders, so that a
// message moved from a later folder to an earlier one is a move too.
//
// Each batch's cursor covers it and everything before it: a folder's
// vanished UIDs stay in the cursor until the deletion batch commits. So
// a sync stopped at any point (an error from fn, a cancelled ctx, a
// crash) resumes from the last committed cursor without skipping or
// repeating a message or a deletion. A cursor Sync cannot read restarts
// every folder, each with a ChangeResync.
func (c *Connector) Sync(ctx context.Context, cursor connector.Cursor, fn connector.BatchFunc) error {
	const op = "imap: sync"
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	prev, head, cerr := readCursor(cursor)
	unreadable := cerr != nil
	if unreadable {
		c.log.Warn("imap: unreadable sync cursor, starting over", "error", cerr)
		prev = map[string]*folderState{}
	}
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return err
	}
	defer c.pool.put(cn)

	s := &syncRun{c: c, cn: cn, fn: fn, states: make([]*folderState, len(c.cfg.Folders)),
		plans: make([]*folderPlan, len(c.cfg.Folders)), last: cursor, head: head, marked: !cursor.IsZero()}
	for i, f := range c.cfg.Folders {
		if st := prev[f]; st != nil {
			s.states[i] = st.clone()
		}
	}
	for i, f := range c.cfg.Folders {
		if err := s.examine(ctx, i, f, unreadable); err != nil {
			return err
		}
	}
	for i, f := range c.cfg.Folders {
		if err := s.fetchNew(ctx, i, f); err != nil {
			return err
		}
	}
	if err := s.deleteVanished(ctx); err != nil {
		return err
	}
	final := &connector.Batch{}
	if s.seal(final); final.Cursor != s.last {
		return s.emit(ctx, final)
	}
	return nil
}

// syncRun is the state of one Sync call.
type syncRun struct {
	c      *Connector
	cn     *conn
	fn     connector.BatchFunc
	states []*folderState // by Config.Folders index; nil: not synced yet
	plans  []*folderPlan  // by Config.Folders index, from examine
	// last is the cursor of the last batch handed out (the cursor Sync
	// started from before the first).
	last connector.Cursor
	// selected is the folder the connection has selected, read-only.
	selected string
	// head is the cursor's backfill state and mark time; marked says
	// the sync started from a cursor (not the zero one), so that a
	// folder met for the first time, or resynced, gets a mark.
	head   cursorHead
	marked bool
}

// seal sets b's cursor, and BackfillDone when b completes the backfill:
// every folder synced past its mark.
func (s *syncRun) seal(b *connector.Batch) {
	if s.head.backfill == backfillRunning && s.pastMarks() {
		b.BackfillDone, s.head.backfill = true, backfillDone
	}
	b.Cursor = writeCursor(s.states, s.head)
}

// pastMarks reports whether every folder was synced past its mark.
func (s *syncRun) pastMarks() bool {
	for _, st := range s.states {
		if st == nil || (st.mark > 0 && st.lastUID+1 < st.mark) {
			return false
		}
	}
	return true
}

// folderPlan is what examine found in a folder for the later passes.
type folderPlan struct {
	// fresh are the new UIDs to fetch, uidNext the folder's UIDNEXT when
	// examined.
	fresh   uidset.Set
	uidNext uint32
	// vanished are the UIDs of the cursor the folder no longer has.
	vanished uidset.Set
}

// emit hands a batch to the caller. The caller's error is returned as
// is, for errors.Is.
func (s *syncRun) emit(ctx context.Context, b *connector.Batch) error {
	s.last = b.Cursor
	return s.fn(ctx, b)
}

// examine looks at folder i: its UIDVALIDITY, the UIDs that vanished,
// its flag changes (handed out now) and its new UIDs (fetched by
// fetchNew).
func (s *syncRun) examine(ctx context.Context, i int, folder string, unreadable bool) error {
	cn := s.cn
	sel, err := cn.selectFolder(ctx, folder, true)
	if err != nil {
		return err
	}
	s.selected = folder
	if sel.UIDValidity == 0 {
		return connector.PermanentError("imap: select "+quoteFolder(folder), errors.New("the server reported no UIDVALIDITY"))
	}
	var changes []connector.Change
	st := s.states[i]
	switch {
	case st != nil && st.uidValidity != sel.UIDValidity:
		changes = append(changes, connector.Change{Kind: connector.ChangeResync, Folder: folder,
			Reason: fmt.Sprintf("uidvalidity changed from %d to %d", st.uidValidity, sel.UIDValidity)})
		s.c.log.Info("imap: folder renumbered, resyncing", "folder", folder, "old_uidvalidity", st.uidValidity, "uidvalidity", sel.UIDValidity)
		st = nil
	case st == nil && unreadable:
		changes = append(changes, connector.Change{Kind: connector.ChangeResync, Folder: folder, Reason: "cursor unreadable"})
	}
	known := st != nil
	if st == nil {
		st = &folderState{name: folder, uidValidity: sel.UIDValidity}
		if s.marked || unreadable || len(changes) > 0 {
			// Met for the first time after the mark, or resynced: what
			// the folder holds now is history; on a resync, when the
			// cursor kept the mark's time, only what was received
			// before it (the rest was new mail, announced when stored).
			st.mark = uint32(sel.UIDNext)
			st.byTime = len(changes) > 0 && s.head.markTime > 0
		}
	}
	s.states[i] = st
	condStore := cn.caps.Has(imap.CapCondStore) && sel.HighestModSeq > 0

	// Nothing can have changed but flags when no UID was assigned since
	// the last sync and the count is what the cursor holds.
	uidNext := uint32(sel.UIDNext)
	unchanged := known && uidNext != 0 && uidNext <= st.lastUID+1 && sel.NumMessages == uint32(st.uids.Len())
	var all uidset.Set
	switch {
	case unchanged:
		all = st.uids
	case sel.NumMessages == 0:
		// Empty: every UID the cursor holds is gone.
	default:
		if all, err = cn.searchUIDs(ctx, &imap.SearchCriteria{}); err != nil {
			return err
		}
	}
	plan := &folderPlan{uidNext: uidNext, vanished: uidset.Difference(st.uids, all)}
	s.plans[i] = plan

	// Flag changes of known messages since the cursor's MODSEQ.
	if condStore && st.modSeq > 0 && sel.HighestModSeq > st.modSeq && !st.uids.IsEmpty() {
		fc, err := cn.changedFlags(ctx, folder, st, st.modSeq)
		if err != nil {
			return err
		}
		changes = append(changes, fc...)
	}
	if condStore {
		st.modSeq = sel.HighestModSeq
	}
	plan.fresh = all.Above(st.lastUID)
	if plan.fresh.IsEmpty() {
		st.lastUID = max(st.lastUID, uidNext-min(uidNext, 1))
	}
	if len(changes) > 0 {
		b := &connector.Batch{Changes: changes}
		s.seal(b)
		return s.emit(ctx, b)
	}
	return nil
}

// fetchNew fetches folder i's new UIDs and hands them out in batches.
func (s *syncRun) fetchNew(ctx context.Context, i int, folder string) error {
	plan, st := s.plans[i], s.states[i]
	if plan.fresh.IsEmpty() {
		return nil
	}
	// The folder examined last is still selected: no second SELECT.
	if s.selected != folder {
		sel, err := s.cn.selectFolder(ctx, folder, true)
		if err != nil {
			return err
		}
		s.selected = folder
		if sel.UIDValidity != st.uidValidity {
			return nil // renumbered since examine: the next sync starts it over
		}
	}
	chunks := plan.fresh.NumChunks(s.c.cfg.BatchSize)
	p := &pipeline{c: s.c, cn: s.cn, folder: folder, uidValidity: st.uidValidity}
	n := 0
	return p.run(ctx, plan.fresh.Chunks(s.c.cfg.BatchSize), func(ctx context.Context, pb *pendingBatch) error {
		pb.markHistory(st, s.head.markTime)
		b := &connector.Batch{Messages: pb.messages()}
		b.Changes = s.moveHints(i, b.Messages)
		n++
		st.uids = uidset.Union(st.uids, pb.received())
		st.lastUID = max(st.lastUID, pb.chunk.Max())
		if n == chunks {
			st.lastUID = max(st.lastUID, plan.uidNext-min(plan.uidNext, 1))
		}
		s.seal(b)
		return s.emit(ctx, b)
	})
}

// deleteVanished hands out the deletions of the UIDs that vanished, in
// one batch whose cursor forgets them.
func (s *syncRun) deleteVanished(ctx context.Context) error {
	var changes []connector.Change
	for i, plan := range s.plans {
		if plan.vanished.IsEmpty() {
			continue
		}
		st := s.states[i]
		changes = append(changes, vanishedChanges(st, plan.vanished, connector.ChangeDeleted)...)
		st.uids = uidset.Difference(st.uids, plan.vanished)
	}
	if len(changes) == 0 {
		return nil
	}
	b := &connector.Batch{Changes: changes}
	s.seal(b)
	return s.emit(ctx, b)
}
