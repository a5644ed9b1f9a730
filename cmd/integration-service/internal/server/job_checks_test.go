package server

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// createIMAP creates an imap integration of f's tenant at host:port with
// password and returns its id.
func (f *customFixture) createIMAP(t *testing.T, name, host string, port int, user, password string) string {
	t.Helper()
	body := fmt.Sprintf(`{"name":%q,"provider":"imap","config":{"email":"%s@example.com","imap":{"host":%q,"port":%d,"security":"none","username":%q}},"credentials":{"password":%q}}`,
		name, user, host, port, user, password)
	rec := f.api(t, http.MethodPost, "/api/v1/integrations", body)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var in struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &in))
	return in.ID
}

func (f *customFixture) check(t *testing.T, id string) *store.Integration {
	t.Helper()
	payload, err := json.Marshal(map[string]string{"tenant_id": "tenant-c", "integration_id": id})
	require.NoError(t, err)
	require.NoError(t, f.app.checks.HandleCheck(t.Context(), &queue.Job{ID: "j", Type: jobCheckIntegration, Payload: payload}))
	in, err := f.app.store.GetIntegration(t.Context(), "tenant-c", id)
	require.NoError(t, err)
	return in
}

// TestHealthChecks: the periodic check tests every mailbox integration
// that is not disabled (not custom sources), once per integration
// however often it is enqueued; a temporary failure is recorded as
// failing health, counted, the integration left active; refused
// credentials (a real Dovecot, a wrong password) make it needs_reauth
// with one integration.needs_reauth event, not repeated by the next
// check.
func TestHealthChecks(t *testing.T) {
	t.Parallel()
	f := newCustomFixture(t, map[string]string{"CONNECTOR_TEST_TIMEOUT": "3s"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	down := f.createIMAP(t, "down", "127.0.0.1", closedPort, "u", "p")
	disabled := f.createIMAP(t, "off", "127.0.0.1", closedPort, "u", "p")
	rec := f.api(t, http.MethodPut, "/api/v1/integrations/"+disabled, fmt.Sprintf(`{"name":"off","status":"disabled","config":{"email":"u@example.com","imap":{"host":"127.0.0.1","port":%d,"security":"none","username":"u"}}}`, closedPort))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	before, err := f.app.broker.Stats(t.Context())
	require.NoError(t, err)
	n, err := f.app.checks.EnqueueAll(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n, "only the active mailbox; not the disabled one, not the custom source")
	_, err = f.app.checks.EnqueueAll(t.Context())
	require.NoError(t, err)
	after, err := f.app.broker.Stats(t.Context())
	require.NoError(t, err)
	require.Equal(t, pending(before)+1, pending(after), "a check already pending is not enqueued twice")

	in := f.check(t, down)
	require.Equal(t, store.StatusActive, in.Status, "a temporary failure leaves the integration active")
	require.Equal(t, "failing", in.Health.Status)
	require.Equal(t, 1, in.Health.ConsecutiveFailures)
	in = f.check(t, down)
	require.Equal(t, 2, in.Health.ConsecutiveFailures)
	require.Empty(t, f.events(t))

	addr, user, _ := testenv.IMAP(t)
	host, portStr, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	port, _ := strconv.Atoi(portStr)
	wrong := f.createIMAP(t, "wrong password", host, port, user, "not-the-password")
	in = f.check(t, wrong)
	require.Equal(t, store.StatusNeedsReauth, in.Status)
	in = f.check(t, wrong)
	require.Equal(t, store.StatusNeedsReauth, in.Status)
	var reauth int
	for _, ev := range f.events(t) {
		if ev.Type == syncrun.EventNeedsReauth {
			reauth++
			require.Equal(t, wrong, ev.IntegrationID)
			require.NotContains(t, string(ev.Payload), "not-the-password")
		}
	}
	require.Equal(t, 1, reauth, "needs_reauth announced once")
}

// pending returns how many jobs wait in stats' queues.
func pending(stats []queue.Stats) int {
	n := 0
	for _, s := range stats {
		n += int(s.Pending)
	}
	return n
}
