package custom

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

// The group commit (see the package doc).
const (
	stripes = 64
	// batchMax bounds the deliveries of one commit.
	batchMax = 128
	// commitTimeout bounds a commit, which serves many deliveries and so
	// does not end with any one of them.
	commitTimeout = 10 * time.Second
	// commitAttempts bounds the commits of one batch that lose the race
	// on the source's version to another process.
	commitAttempts = 8
)

// commits holds, per integration, the deliveries waiting to be
// committed and the sync version the last commit left (so that the next
// need not read it back). Processes still race on the version;
// commitMessages retries.
type commits struct {
	seed    maphash.Seed
	stripes [stripes]stripe
}

// stripe is a lock over the queues and versions of the integrations
// that hash to it.
type stripe struct {
	mu       sync.Mutex
	queues   map[string]*queue
	versions map[string]int64
}

// queue is one integration's deliveries waiting for a commit;
// committing says a commit of it is running.
type queue struct {
	waiting    []*item
	committing bool
}

// item is one verified delivery on its way to the store.
type item struct {
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

func newCommits() *commits {
	c := &commits{seed: maphash.MakeSeed()}
	for i := range c.stripes {
		c.stripes[i].queues = map[string]*queue{}
		c.stripes[i].versions = map[string]int64{}
	}
	return c
}

func (c *commits) stripe(id string) *stripe {
	return &c.stripes[maphash.String(c.seed, id)%stripes]
}

// waiting returns how many deliveries of integration id wait for a
// commit.
func (c *commits) waiting(id string) int {
	s := c.stripe(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[id]; q != nil {
		return len(q.waiting)
	}
	return 0
}

// commit stores msg as a delivery of in, with its message.received
// event, in the next commit of in's deliveries, and returns the stored
// message, or nil when msg was stored before (the same provider id). It
// waits for that commit, which this call may run itself.
//
// it is the caller's (its zero value will do); nothing refers to it
// once this returns.
func (s *Sources) commit(ctx context.Context, in *store.Integration, it *item, deliveryID string, msg *connector.Message) (*store.Message, error) {
	st := s.commits.stripe(in.ID)
	*it = item{deliveryID: deliveryID, msg: msg, done: make(chan struct{})}
	st.mu.Lock()
	q := st.queues[in.ID]
	if q == nil {
		q = &queue{}
		st.queues[in.ID] = q
	}
	q.waiting = append(q.waiting, it)
	if q.committing {
		st.mu.Unlock()
		<-it.done // bounded: each commit is (commitTimeout)
		if !it.lead {
			return it.inserted, it.err
		}
		st.mu.Lock()
	}
	// This call leads the next commit: its own item is first in line.
	q.committing = true
	batch := takeBatch(q)
	st.mu.Unlock()

	s.commitBatch(ctx, in, st, batch)

	st.mu.Lock()
	if len(q.waiting) > 0 {
		next := q.waiting[0]
		next.lead = true
		close(next.done)
	} else {
		q.committing = false
		delete(st.queues, in.ID)
	}
	st.mu.Unlock()
	return it.inserted, it.err
}

// takeBatch removes the next batch from q: up to batchMax items in
// arrival order, at most one per provider id, so that a second delivery
// of a message is answered as a duplicate by a later commit, as it would
// be had it come later.
func takeBatch(q *queue) []*item {
	var batch, rest []*item
	// A batch of a few is searched; a map pays from a dozen or so.
	var seen map[string]bool
	if len(q.waiting) > 16 {
		seen = make(map[string]bool, min(len(q.waiting), batchMax))
	}
	taken := func(id string) bool {
		if seen != nil {
			return seen[id]
		}
		return slices.ContainsFunc(batch, func(it *item) bool { return it.msg.ProviderID == id })
	}
	for _, it := range q.waiting {
		if len(batch) == batchMax || taken(it.msg.ProviderID) {
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
// message.received event per new message, publishes the events, fills
// each item's result and closes those items' done (but the caller's
// own, which it reads directly). A last conflict is store.ErrConflict
// for every item.
func (s *Sources) commitBatch(ctx context.Context, in *store.Integration, st *stripe, batch []*item) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	msgs := make([]*connector.Message, len(batch))
	for i, it := range batch {
		msgs[i] = it.msg
	}
	res, err := s.commitMessages(ctx, in, st, batch[len(batch)-1].deliveryID, msgs)
	if err == nil {
		if s.publish != nil && len(res.Events) > 0 {
			s.publish(ctx, res.Events...)
		}
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
// the version st remembers for in (read from the store when it does
// not), retrying on conflicts after a short backoff with jitter (2 ms
// doubling to 10 ms, retry.Backoff).
func (s *Sources) commitMessages(ctx context.Context, in *store.Integration, st *stripe, lastDelivery string, msgs []*connector.Message) (*store.SyncResult, error) {
	var err error
	for attempt := range commitAttempts {
		if attempt > 0 {
			st.forgetVersion(in.ID) // another process moved it on
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(retry.Backoff{Base: 2 * time.Millisecond, Max: 10 * time.Millisecond}.Delay(attempt)):
			}
		}
		version, known := st.version(in.ID)
		if !known {
			state, err := s.store.SyncState(ctx, in.TenantID, in.ID)
			if err != nil {
				return nil, err
			}
			version = state.Version
		}
		var res *store.SyncResult
		res, err = s.store.CommitSync(ctx, &store.SyncCommit{
			TenantID: in.TenantID, IntegrationID: in.ID, Version: version,
			Cursor:   connector.Cursor("webhook:" + lastDelivery),
			Messages: msgs,
			Events:   syncrun.ReceivedEvents,
		})
		switch {
		case err == nil:
			st.setVersion(in.ID, res.Version)
			return res, nil
		case !errors.Is(err, store.ErrConflict):
			st.forgetVersion(in.ID)
			return nil, err
		}
	}
	return nil, err
}

func (st *stripe) version(id string) (int64, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	v, ok := st.versions[id]
	return v, ok
}

func (st *stripe) setVersion(id string, v int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.versions) >= sourceMax {
		clear(st.versions)
	}
	st.versions[id] = v
}

func (st *stripe) forgetVersion(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.versions, id)
}
