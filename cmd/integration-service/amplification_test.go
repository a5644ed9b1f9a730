package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// tableScans reads how many scans (sequential and by index) PostgreSQL
// has counted on a table of the schema dbURL's search_path names: the
// work the server's queries did there, seen from outside.
type tableScans struct {
	conn *pgx.Conn
}

func newTableScans(t *testing.T, dbURL string) *tableScans {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return &tableScans{conn: conn}
}

func (s *tableScans) read(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, s.conn.QueryRow(t.Context(), `
		SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND relname = $1`, table).Scan(&n))
	return n
}

// pgstatFlush is how long a server's backend may keep its counters
// before PostgreSQL shows them: PGSTAT_IDLE_INTERVAL (10 s) and some.
const pgstatFlush = 12 * time.Second

// growth waits until the server's backends have flushed their counters
// (pgstatFlush) and returns how much table's scans grew since before;
// it returns as soon as they grew past limit, which fails the caller
// anyway.
func (s *tableScans) growth(t *testing.T, table string, before, limit int64) int64 {
	t.Helper()
	end := time.Now().Add(pgstatFlush)
	for {
		n := s.read(t, table) - before
		if n > limit || time.Now().After(end) {
			return n
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// randomIDs returns n random UUIDs, as Graph subscription ids and
// integration ids are.
func randomIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		b[6] = b[6]&0x0f | 0x70
		b[8] = b[8]&0x3f | 0x80
		ids[i] = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	}
	return ids
}

// TestGraphNotificationAmplification: one unauthenticated POST to
// /webhooks/microsoft naming 12,000 made-up subscriptions (under a
// megabyte) cost 12,000 PostgreSQL lookups and got 202. It is now
// refused (413) before any lookup; a collection at the cap (100
// notifications) costs one query. Measured from outside, in
// pg_stat_user_tables.
func TestGraphNotificationAmplification(t *testing.T) {
	t.Parallel()
	env := productionEnv(t, baseEnv())
	env["MAX_BODY_BYTES"] = "1048576" // the default
	in := start(t, env)
	c := newClient(t, in.base)
	scans := newTableScans(t, env["DATABASE_URL"])

	body := graphCollection(randomIDs(12_000))
	require.Less(t, len(body), 1<<20)
	before := scans.read(t, "subscriptions")
	r := c.do(t, call{method: http.MethodPost, path: "/webhooks/microsoft", raw: body, invalid: true})
	grew := scans.growth(t, "subscriptions", before, 10)
	t.Logf("12,000 made-up subscriptions: %d, subscriptions scans +%d", r.status, grew)
	r.requireProblem(t, http.StatusRequestEntityTooLarge)
	require.LessOrEqual(t, grew, int64(10), "a refused collection looks nothing up")

	before = scans.read(t, "subscriptions")
	r = c.do(t, call{method: http.MethodPost, path: "/webhooks/microsoft", raw: graphCollection(randomIDs(100))})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	grew = scans.growth(t, "subscriptions", before, 100)
	t.Logf("100 made-up subscriptions: %d, subscriptions scans +%d", r.status, grew)
	require.LessOrEqual(t, grew, int64(100), "one query for the collection")
}

// TestUnknownCustomSourceNegativeCache: deliveries to an id that is no
// custom source cost one query a short while (10 s), not one each.
// Before, each of them looked the id up again.
func TestUnknownCustomSourceNegativeCache(t *testing.T) {
	t.Parallel()
	env := productionEnv(t, baseEnv())
	in := start(t, env)
	c := newClient(t, in.base)
	scans := newTableScans(t, env["DATABASE_URL"])
	unknown := randomIDs(1)[0]

	const deliveries = 200
	before := scans.read(t, "integrations")
	for range deliveries {
		r := c.do(t, call{method: http.MethodPost, path: "/webhooks/custom/" + unknown, raw: []byte(`{}`), invalid: true,
			header: map[string]string{"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x"}})
		r.requireProblem(t, http.StatusNotFound)
	}
	grew := scans.growth(t, "integrations", before, 10)
	t.Logf("%d deliveries to one unknown id: integrations scans +%d", deliveries, grew)
	require.LessOrEqual(t, grew, int64(10))
}
