package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/ucsp/integration/store"
)

// CountIntegrations counts every tenant's integrations by provider and
// status.
func (s *Store) CountIntegrations(ctx context.Context) ([]store.IntegrationCount, error) {
	type key struct {
		provider string
		status   store.IntegrationStatus
	}
	counts := map[key]int64{}
	err := s.read(ctx, func(t *tables) error {
		for _, row := range t.integrations {
			counts[key{row.in.Provider, row.in.Status}]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.IntegrationCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, store.IntegrationCount{Provider: k.provider, Status: k.status, Count: n})
	}
	slices.SortFunc(out, func(a, b store.IntegrationCount) int {
		return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Status, b.Status))
	})
	return out, nil
}
