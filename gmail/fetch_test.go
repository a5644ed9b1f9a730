package gmail

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
)

// inflight counts concurrent messages.get requests.
type inflight struct {
	base     http.RoundTripper
	cur, max atomic.Int32
}

func (t *inflight) RoundTrip(r *http.Request) (*http.Response, error) {
	get := r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/messages/")
	if get {
		n := t.cur.Add(1)
		for m := t.max.Load(); n > m && !t.max.CompareAndSwap(m, n); m = t.max.Load() {
		}
		defer t.cur.Add(-1)
	}
	return t.base.RoundTrip(r)
}

// Messages are fetched concurrently, Config.Concurrency at a time, and
// reported in the listing's order.
func TestFetchConcurrency(t *testing.T) {
	t.Parallel()
	counter := &inflight{base: http.DefaultTransport}
	f := newFixture(t, gmailtest.Options{}, func(c *Config) {
		c.BatchSize, c.Concurrency = 12, 3
		c.HTTPClient = &http.Client{Transport: counter}
	})
	f.insert(t, "m", 12)
	f.srv.InjectFault(gmailtest.Fault{Method: "messages.get", Delay: 20 * time.Millisecond, Times: -1})
	r := syncAll(t, f.c, "")
	require.Len(t, r.messages, 12)
	require.EqualValues(t, 3, counter.max.Load())
	for i, m := range r.messages {
		require.Equal(t, "m "+itoa(uint64(11-i)), m.Subject, "newest first, as listed")
	}
}
