package imap

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/uidset"
)

// Sync pulls what changed in Config.Folders since cursor, folder by
// folder in order, and hands it to fn in batches of at most
// Config.BatchSize messages (see connector.Syncer).
//
// For each folder it EXAMINEs it (read-only, with CONDSTORE when the
// server has it) and compares with the folder's part of the cursor:
//   - a changed UIDVALIDITY starts the folder over: a
//     connector.ChangeResync for the folder, then every message again,
//     with the same ProviderIDs and new ProviderRefs;
//   - UIDs the cursor holds that UID SEARCH ALL no longer finds are
//     reported as connector.ChangeDeleted by ProviderRef (the sync cannot
//     know the ProviderID of a message that is gone);
//   - with CONDSTORE, flag changes since the cursor's HIGHESTMODSEQ come
//     as connector.ChangeFlags with both ProviderID and ProviderRef
//     (UID FETCH ... (CHANGEDSINCE m)); without CONDSTORE flag changes of
//     messages already reported are not detected;
//   - new UIDs are fetched with BODY.PEEK[] (never marking them \Seen) in
//     UID batches, parsed by the module's MIME parser while the next
//     messages stream in, and handed out in UID order.
//
// Deletions and flag changes come in the folder's first batch. Each
// batch's cursor covers it and everything before it, so a sync stopped
// at any point (an error from fn, a cancelled ctx, a crash) resumes from
// the last committed cursor without skipping or repeating a message. A
// cursor Sync cannot read restarts every folder, each with a
// ChangeResync.
func (c *Connector) Sync(ctx context.Context, cursor connector.Cursor, fn connector.BatchFunc) error {
	const op = "imap: sync"
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	prev, backfill, cerr := readCursor(cursor)
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

	s := &syncRun{c: c, cn: cn, fn: fn, states: make([]*folderState, len(c.cfg.Folders)), backfill: backfill, marked: !cursor.IsZero()}
	for i, f := range c.cfg.Folders {
		if st := prev[f]; st != nil {
			s.states[i] = st.clone()
		}
	}
	for i, f := range c.cfg.Folders {
		if err := s.folder(ctx, i, f, unreadable); err != nil {
			return err
		}
	}
	if !s.emitted {
		b := &connector.Batch{}
		if s.seal(b); b.Cursor != cursor {
			return s.emit(ctx, b)
		}
	}
	return nil
}

// syncRun is the state of one Sync call.
type syncRun struct {
	c       *Connector
	cn      *conn
	fn      connector.BatchFunc
	states  []*folderState // by Config.Folders index; nil: not synced yet
	emitted bool
	// backfill is the cursor's backfill state; marked says the sync
	// started from a cursor (not the zero one), so that a folder met
	// for the first time, or resynced, gets a mark.
	backfill uint8
	marked   bool
}

// seal sets b's cursor, and BackfillDone when b completes the backfill:
// every folder synced past its mark.
func (s *syncRun) seal(b *connector.Batch) {
	if s.backfill == backfillRunning && s.pastMarks() {
		b.BackfillDone, s.backfill = true, backfillDone
	}
	b.Cursor = writeCursor(s.states, s.backfill)
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

// emit hands a batch to the caller. The caller's error is returned as
// is, for errors.Is.
func (s *syncRun) emit(ctx context.Context, b *connector.Batch) error {
	s.emitted = true
	return s.fn(ctx, b)
}

// folder syncs folder i.
func (s *syncRun) folder(ctx context.Context, i int, folder string, unreadable bool) error {
	cn := s.cn
	sel, err := cn.selectFolder(ctx, folder, true)
	if err != nil {
		return err
	}
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
	var before *folderState
	if st == nil {
		st = &folderState{name: folder, uidValidity: sel.UIDValidity}
		if s.marked || unreadable || len(changes) > 0 {
			// Met for the first time after the mark, or resynced: what
			// the folder holds now is history.
			st.mark = uint32(sel.UIDNext)
		}
	} else {
		before = st.clone()
	}
	s.states[i] = st
	condStore := cn.caps.Has(imap.CapCondStore) && sel.HighestModSeq > 0

	// Nothing can have changed but flags when no UID was assigned since
	// the last sync and the count is what the cursor holds.
	uidNext := uint32(sel.UIDNext)
	unchanged := before != nil && uidNext != 0 && uidNext <= st.lastUID+1 && sel.NumMessages == uint32(st.uids.Len())
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

	// Expunged: known UIDs no longer there.
	if expunged := uidset.Difference(st.uids, all); !expunged.IsEmpty() {
		for _, r := range expunged.Ranges() {
			for uid := r.Start; ; uid++ {
				changes = append(changes, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: providerRef(folder, st.uidValidity, uid), Reason: "expunged"})
				if uid == r.Stop {
					break
				}
			}
		}
		st.uids = uidset.Difference(st.uids, expunged)
	}

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

	fresh := all.Above(st.lastUID)
	if fresh.IsEmpty() {
		st.lastUID = max(st.lastUID, uidNext-min(uidNext, 1))
		if len(changes) > 0 || before == nil || !before.equal(st) {
			b := &connector.Batch{Changes: changes}
			s.seal(b)
			return s.emit(ctx, b)
		}
		return nil
	}
	chunks := fresh.NumChunks(s.c.cfg.BatchSize)
	p := &pipeline{c: s.c, cn: cn, folder: folder, uidValidity: st.uidValidity}
	n := 0
	return p.run(ctx, fresh.Chunks(s.c.cfg.BatchSize), func(ctx context.Context, pb *pendingBatch) error {
		pb.markHistory(st.mark)
		b := &connector.Batch{Messages: pb.messages()}
		if n == 0 {
			b.Changes = changes
		}
		n++
		st.uids = uidset.Union(st.uids, pb.received())
		st.lastUID = max(st.lastUID, pb.chunk.Max())
		if n == chunks {
			st.lastUID = max(st.lastUID, uidNext-min(uidNext, 1))
		}
		s.seal(b)
		return s.emit(ctx, b)
	})
}
