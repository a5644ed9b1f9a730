package memory

import (
	"context"
	"maps"
	"slices"

	"github.com/ucsp/integration/store"
)

// ScanIntegrations pages through every tenant's integrations in id
// order; see store.IntegrationStore.
func (s *Store) ScanIntegrations(ctx context.Context, opts store.ListIntegrationsOptions) (*store.Page[*store.Integration], error) {
	if opts.Status != "" && !opts.Status.Valid() {
		return nil, invalid("status", "is not a known integration status")
	}
	limit, after, err := idCursor(opts.ListOptions)
	if err != nil {
		return nil, err
	}
	var p *store.Page[*store.Integration]
	err = s.read(ctx, func(t *tables) error {
		ids := slices.Sorted(maps.Keys(t.integrations))
		p = collect(idsAfter(ids, after), limit,
			func(id string) bool {
				in := &t.integrations[id].in
				return (opts.Provider == "" || in.Provider == opts.Provider) &&
					(opts.Status == "" || in.Status == opts.Status)
			},
			func(id string) *store.Integration { return cloneIntegration(&t.integrations[id].in) },
			func(id string) string { return id })
		return nil
	})
	return p, err
}
