// Package storetest is the contract suite every store.Store passes.
//
// An implementation runs it from its own tests with a harness that
// builds a fresh, empty store for each call:
//
//	func TestPostgres(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) *storetest.Harness {
//			return &storetest.Harness{Store: newStoreInFreshSchema(t)}
//		})
//	}
//
// The suite covers CRUD, tenant isolation, pagination, idempotent message
// upserts, the atomicity of a sync commit (cursor and messages together or
// not at all), outbox idempotency, event delivery bookkeeping, OAuth state
// single use, push subscriptions and the lookups that route providers'
// notifications to them, sealed secrets, concurrent writers, and the
// per-tenant counts quotas read. Subtests run in parallel, each on its
// own store.
package storetest

import (
	"context"
	"maps"
	"testing"

	"github.com/ucsp/integration/store"
)

// Harness is one store under test.
type Harness struct {
	// Store is a fresh, empty store, closed by the harness's own cleanup.
	Store store.Store
	// Dump, when set, returns every byte the store holds at rest (for a
	// database, the text of every row of every table). The suite searches
	// it for plaintext secrets. Nil skips that check.
	Dump func(ctx context.Context) ([]byte, error)
}

// Run runs the contract suite. newHarness is called once per subtest and
// must return an isolated, empty store each time.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Helper()
	groups := []struct {
		name  string
		tests map[string]func(*testing.T, *Harness)
	}{
		{"Integrations", union(t, integrationTests, union(t, integrationCountTests, union(t, integrationFindTests, integrationScanTests)))},
		{"Credentials", credentialTests},
		{"Tenancy", tenancyTests},
		{"Sync", union(t, syncTests, union(t, syncRefTests, syncChangeTests))},
		{"Messages", union(t, messageTests, automatedTests)},
		{"Outbox", outboxTests},
		{"Events", eventTests},
		{"OAuth", oauthTests},
		{"Subscriptions", union(t, subscriptionTests, subscriptionFindTests)},
		{"Usage", usageTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, name := range sortedKeys(g.tests) {
				test := g.tests[name]
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					h := newHarness(t)
					test(t, h)
				})
			}
		})
	}
}

// union returns the tests of a and b in one map. A name in both is a
// mistake in the suite.
func union(t *testing.T, a, b map[string]func(*testing.T, *Harness)) map[string]func(*testing.T, *Harness) {
	t.Helper()
	out := maps.Clone(a)
	for name, test := range b {
		if _, dup := out[name]; dup {
			t.Fatalf("storetest: two tests named %s", name)
		}
		out[name] = test
	}
	return out
}
