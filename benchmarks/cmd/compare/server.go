package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// serverPeerEnv, when set to an address, makes `compare server` serve the
// peer (a hello-world chi handler) there instead of comparing: the
// comparison runs the peer in a process of its own, as ours runs.
const serverPeerEnv = "COMPARE_SERVER_PEER_ADDR"

// compareServer measures authenticated GET /api/v1/integrations/{id}
// requests per second against the real binary of cmd/integration-service
// (JWT check, rate limit, store read, JSON, metrics, access log, all as
// deployed), and a hello-world chi handler on the same route, both in
// their own processes on loopback, driven by the same 50 keep-alive
// goroutines in interleaved rounds. It does so in embedded mode, then in
// production mode on PostgreSQL (DATABASE_URL, default the CI's test
// database; a schema of its own, dropped afterwards) and Redis (its own
// key prefix, deleted afterwards). Between the two it compares verified
// webhook deliveries in embedded mode (see compareWebhook).
func compareServer(ctx context.Context, redisURL string) error {
	if addr := os.Getenv(serverPeerEnv); addr != "" {
		return servePeer(ctx, addr)
	}
	bin, cleanup, err := buildServer(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	peer, err := startPeer(ctx)
	if err != nil {
		return fmt.Errorf("peer: %w", err)
	}
	defer peer.stop()

	o, p, err := compareServerMode(ctx, bin, peer, serverEnv())
	if err != nil {
		return fmt.Errorf("embedded mode: %w", err)
	}
	report("server", "get_integration_rps", o, p)
	if o, p, err = compareWebhook(ctx, bin, peer); err != nil {
		return fmt.Errorf("webhook ingest: %w", err)
	}
	report("webhook", "ingest_rps", o, p)

	env, drop, err := productionServerEnv(ctx, redisURL)
	if err != nil {
		return fmt.Errorf("production mode: %w", err)
	}
	defer drop()
	o, p, err = compareServerMode(ctx, bin, peer, env)
	if err != nil {
		return fmt.Errorf("production mode: %w", err)
	}
	report("server", "get_integration_rps_production", o, p)
	return nil
}

// serverEnv is the embedded-mode configuration: defaults, but for a
// known JWT secret and limits generous enough not to limit the run: a
// bench tier for the API and, for the webhook comparison (50 senders
// on one address to one source, well past the defaults of 1000/s),
// limits per client and per source that are still decided on every
// delivery, so that their cost is measured, but never deny.
func serverEnv() []string {
	return []string{
		"JWT_SECRET=compare-server-secret-0123456789abcdef",
		"RATE_LIMIT_TIERS=free: 5/s burst=10; bench: 1000000/s burst=1000000",
		"WEBHOOK_RATE_LIMIT_CLIENT=1000000/s burst=1000000",
		"WEBHOOK_RATE_LIMIT_TARGET=1000000/s burst=1000000",
		"SHUTDOWN_TIMEOUT=5s",
	}
}

func compareServerMode(ctx context.Context, bin string, peer *process, env []string) (float64, float64, error) {
	ours, err := startProcess(ctx, bin, env, "all")
	if err != nil {
		return 0, 0, err
	}
	defer ours.stop()
	tok, err := serverToken(ctx, bin)
	if err != nil {
		return 0, 0, err
	}
	id, err := createBenchIntegration(ctx, ours.base, tok)
	if err != nil {
		return 0, 0, err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: rlGoroutines, MaxConnsPerHost: rlGoroutines}}
	get := func(base string) func(context.Context, int) error {
		url := base + "/api/v1/integrations/" + id
		return func(ctx context.Context, _ int) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %s", url, resp.Status)
			}
			return nil
		}
	}
	return interleave(ctx, get(ours.base), get(peer.base))
}

// servePeer is the peer: chi with one hello-world handler on the route
// ours serves.
func servePeer(ctx context.Context, addr string) error {
	r := chi.NewRouter()
	r.Get("/api/v1/integrations/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"hello":"world"}` + "\n"))
	})
	r.Post("/webhooks/custom/{id}", peerWebhook)
	r.Get("/health/live", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	srv := &http.Server{Addr: addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func serverToken(ctx context.Context, bin string) (string, error) {
	cmd := execCommand(ctx, bin, "token", "-tenant", "bench", "-tier", "bench", "-ttl", "1h")
	cmd.Env = serverEnv()
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

func createBenchIntegration(ctx context.Context, base, tok string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/integrations",
		strings.NewReader(`{"name":"Bench source","provider":"custom","config":{"source":"bench"}}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var in struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&in) != nil {
		return "", fmt.Errorf("create integration: %s", resp.Status)
	}
	return in.ID, nil
}

// productionServerEnv returns the production-mode configuration on a
// schema and a Redis prefix of the run's own, and how to remove them.
func productionServerEnv(ctx context.Context, redisURL string) ([]string, func(), error) {
	dbURL := envOr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	suffix := hex.EncodeToString(b)
	schema, prefix := "compare_server_"+suffix, "compare-server-"+suffix
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = conn.Close(ctx)
		return nil, nil, err
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		_ = conn.Close(ctx)
		return nil, nil, err
	}
	rdb := redis.NewClient(opt)
	drop := func() {
		dctx := context.WithoutCancel(ctx)
		_, _ = conn.Exec(dctx, "DROP SCHEMA "+schema+" CASCADE")
		_ = conn.Close(dctx)
		deleteKeys(dctx, rdb, prefix+":*")
		_ = rdb.Close()
	}
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	env := append(serverEnv(),
		"DATABASE_URL="+dbURL+sep+"search_path="+schema,
		"REDIS_URL="+redisURL,
		"REDIS_KEY_PREFIX="+prefix,
		"ENCRYPTION_KEYS=k1:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=",
	)
	return env, drop, nil
}
