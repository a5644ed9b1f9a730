package server

import (
	"context"
	"errors"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/internal/retry"
	"github.com/ucsp/integration/store"
)

// Custom deliveries are stored by group commit: the deliveries of one
// integration that arrive while a commit of it is running wait, and the
// next commit stores them together, as one sync batch (one transaction
// on PostgreSQL) with their message.received events. Each delivery's
// answer still waits for the commit that stored it, so a 200 means
// stored; a burst costs a few commits instead of one each.
const (
	ingestStripes = 64
	// ingestBatchMax bounds the deliveries of one commit.
	ingestBatchMax = 128
	// ingestCommitTimeout bounds a commit, which serves many requests
	// and so does not end with any one of them.
	ingestCommitTimeout = 10 * time.Second
)

// ingestLocks holds, per integration, the deliveries waiting to be
// committed and the sync version the last commit left (so that the next
// need not read it back). Replicas still race on the version;
// commitBatch retries.
type ingestLocks struct {
	seed    maphash.Seed
	stripes [ingestStripes]ingestStripe
}

// ingestStripe is a lock over the queues and versions of the
// integrations that hash to it.
type ingestStripe struct {
	mu       sync.Mutex
	queues   map[string]*ingestQueue
	versions map[string]int64
}

// ingestQueue is one integration's deliveries waiting for a commit;
// committing says a commit of it is running.
type ingestQueue struct {
	waiting    []*ingestItem
	committing bool
}

// ingestItem is one verified delivery on its way to the store.
type ingestItem struct {
	deliveryID string
	msg        *connector.Message
	// done is closed when the item is committed (or failed), or when it
	// is its turn to lead the next commit (lead).
	done chan struct{}
	lead bool
	// inserted is the stored message when this delivery stored it, nil
	// when it was stored before; err is the commit's failure.
	inserted *store.Message
	err      error
}

func newIngestLocks() *ingestLocks {
	l := &ingestLocks{seed: maphash.MakeSeed()}
	for i := range l.stripes {
		l.stripes[i].queues = map[string]*ingestQueue{}
		l.stripes[i].versions = map[string]int64{}
	}
	return l
}

func (l *ingestLocks) stripe(id string) *ingestStripe {
	return &l.stripes[maphash.String(l.seed, id)%ingestStripes]
}

// commitCustom stores msg as a delivery of in, with its
// message.received event, in the next commit of in's deliveries, and
// returns the stored message, or nil when msg was stored before (the
// same provider id). It waits for that commit, which this call may run
// itself.
//
// item is the caller's (its zero value will do); nothing refers to it
// once this returns.
func (a *App) commitCustom(ctx context.Context, in *store.Integration, item *ingestItem, deliveryID string, msg *connector.Message) (*store.Message, error) {
	s := a.ingest.stripe(in.ID)
	*item = ingestItem{deliveryID: deliveryID, msg: msg, done: make(chan struct{})}
	s.mu.Lock()
	q := s.queues[in.ID]
	if q == nil {
		q = &ingestQueue{}
		s.queues[in.ID] = q
	}
	q.waiting = append(q.waiting, item)
	if q.committing {
		s.mu.Unlock()
		<-item.done // bounded: each commit is (ingestCommitTimeout)
		if !item.lead {
			return item.inserted, item.err
		}
		s.mu.Lock()
	}
	// This call leads the next commit: its own item is first in line.
	q.committing = true
	batch := takeBatch(q)
	s.mu.Unlock()

	a.commitBatch(ctx, in, s, batch)

	s.mu.Lock()
	if len(q.waiting) > 0 {
		next := q.waiting[0]
		next.lead = true
		close(next.done)
	} else {
		q.committing = false
		delete(s.queues, in.ID)
	}
	s.mu.Unlock()
	return item.inserted, item.err
}

// takeBatch removes the next batch from q: up to ingestBatchMax items
// in arrival order, at most one per provider id, so that a second
// delivery of a message is answered as a duplicate by a later commit,
// as it would be had it come later.
func takeBatch(q *ingestQueue) []*ingestItem {
	var batch, rest []*ingestItem
	// A batch of a few is searched; a map pays from a dozen or so.
	var seen map[string]bool
	if len(q.waiting) > 16 {
		seen = make(map[string]bool, min(len(q.waiting), ingestBatchMax))
	}
	taken := func(id string) bool {
		if seen != nil {
			return seen[id]
		}
		return slices.ContainsFunc(batch, func(it *ingestItem) bool { return it.msg.ProviderID == id })
	}
	for _, it := range q.waiting {
		if len(batch) == ingestBatchMax || taken(it.msg.ProviderID) {
			rest = append(rest, it)
			continue
		}
		if seen != nil {
			seen[it.msg.ProviderID] = true
		}
		batch = append(batch, it)
	}
	q.waiting = rest
	return batch
}

// commitBatch commits batch as one sync batch of in with one
// message.received event per new message, fills each item's result and
// closes those items' done (but the caller's own, which it reads
// directly). It retries, a few times with jitter, when another
// replica's commit moved the version on; a last conflict is
// store.ErrConflict for every item.
func (a *App) commitBatch(ctx context.Context, in *store.Integration, s *ingestStripe, batch []*ingestItem) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ingestCommitTimeout)
	defer cancel()
	msgs := make([]*connector.Message, len(batch))
	for i, it := range batch {
		msgs[i] = it.msg
	}
	res, err := a.commitMessages(ctx, in, s, batch[len(batch)-1].deliveryID, msgs)
	if err == nil {
		a.events.Enqueue(ctx, res.Events...)
		var byProvider map[string]*store.Message // for a large batch
		if len(res.Inserted) > 16 {
			byProvider = make(map[string]*store.Message, len(res.Inserted))
			for _, m := range res.Inserted {
				byProvider[m.ProviderID] = m
			}
		}
		for _, it := range batch {
			if byProvider != nil {
				it.inserted = byProvider[it.msg.ProviderID]
			} else {
				it.inserted = insertedFor(res.Inserted, it.msg.ProviderID)
			}
		}
	}
	for i, it := range batch {
		it.err = err
		if i > 0 { // batch[0] is the leader's own item
			close(it.done)
		}
	}
}

// insertedFor returns the message of inserted whose provider id is id,
// or nil: for a batch of a few, a search costs less than a map.
func insertedFor(inserted []*store.Message, id string) *store.Message {
	for _, m := range inserted {
		if m.ProviderID == id {
			return m
		}
	}
	return nil
}

// commitMessages commits msgs with their events through CommitSync at
// the version s remembers for in (read from the store when it does not),
// retrying on conflicts after a short backoff with jitter (2 ms doubling
// to 10 ms, retry.Backoff).
func (a *App) commitMessages(ctx context.Context, in *store.Integration, s *ingestStripe, lastDelivery string, msgs []*connector.Message) (*store.SyncResult, error) {
	var err error
	for attempt := range 8 {
		if attempt > 0 {
			s.forgetVersion(in.ID) // another replica moved it on
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(retry.Backoff{Base: 2 * time.Millisecond, Max: 10 * time.Millisecond}.Delay(attempt)):
			}
		}
		version, known := s.version(in.ID)
		if !known {
			st, err := a.store.SyncState(ctx, in.TenantID, in.ID)
			if err != nil {
				return nil, err
			}
			version = st.Version
		}
		var res *store.SyncResult
		res, err = a.store.CommitSync(ctx, &store.SyncCommit{
			TenantID: in.TenantID, IntegrationID: in.ID, Version: version,
			Cursor:   connector.Cursor("webhook:" + lastDelivery),
			Messages: msgs,
			Events: func(inserted []*store.Message) ([]*store.Event, error) {
				return syncrun.ReceivedEvents(inserted)
			},
		})
		switch {
		case err == nil:
			s.setVersion(in.ID, res.Version)
			return res, nil
		case !errors.Is(err, store.ErrConflict):
			s.forgetVersion(in.ID)
			return nil, err
		}
	}
	return nil, err
}

func (s *ingestStripe) version(id string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.versions[id]
	return v, ok
}

func (s *ingestStripe) setVersion(id string, v int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.versions) >= customSourceMax {
		clear(s.versions)
	}
	s.versions[id] = v
}

func (s *ingestStripe) forgetVersion(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.versions, id)
}
