package server

import (
	"context"
	"errors"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// ingestStripes is how many locks serialise custom ingests by
// integration in a process.
const ingestStripes = 64

// ingestLocks serialises the commits of one integration's custom
// deliveries within a process: each commit follows the integration's
// sync version (store.SyncCommit.Version), so concurrent ones would
// only fence each other off. Replicas still race; commitCustom retries.
// Each stripe also remembers the versions its commits left, so that the
// next commit need not read them back.
type ingestLocks struct {
	seed    maphash.Seed
	stripes [ingestStripes]ingestStripe
}

// ingestStripe is one lock and the versions of its integrations, read
// and written only under the lock.
type ingestStripe struct {
	mu       sync.Mutex
	versions map[string]int64
}

func newIngestLocks() *ingestLocks {
	l := &ingestLocks{seed: maphash.MakeSeed()}
	for i := range l.stripes {
		l.stripes[i].versions = map[string]int64{}
	}
	return l
}

// lock locks id's stripe and returns it; the caller unlocks it.
func (l *ingestLocks) lock(id string) *ingestStripe {
	s := &l.stripes[maphash.String(l.seed, id)%ingestStripes]
	s.mu.Lock()
	return s
}

// commitCustom commits msg as a one-message sync batch of in, with its
// message.received event, retrying (a few times, with jitter) when
// another replica's commit moved the version on; a last conflict is
// returned as store.ErrConflict.
func (a *App) commitCustom(ctx context.Context, in *store.Integration, deliveryID string, msg *connector.Message) (*store.SyncResult, error) {
	stripe := a.ingest.lock(in.ID)
	defer stripe.mu.Unlock()
	var err error
	for attempt := range 8 {
		if attempt > 0 {
			delete(stripe.versions, in.ID) // another replica moved it on
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt)*time.Millisecond + rand.N(5*time.Millisecond)):
			}
		}
		version, known := stripe.versions[in.ID]
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
			Cursor:   connector.Cursor("webhook:" + deliveryID),
			Messages: []*connector.Message{msg},
			Events: func(inserted []*store.Message) ([]*store.Event, error) {
				return receivedEvents(inserted), nil
			},
		})
		switch {
		case err == nil:
			if len(stripe.versions) >= customSourceMax {
				clear(stripe.versions)
			}
			stripe.versions[in.ID] = res.Version
			return res, nil
		case !errors.Is(err, store.ErrConflict):
			delete(stripe.versions, in.ID)
			return nil, err
		}
	}
	return nil, err
}
