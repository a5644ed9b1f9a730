package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// freeTCPPort returns a port nothing listens on now.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// ownRedis is a redis-server of the test's own (append-only file on), on
// a port of its own, restartable.
type ownRedis struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	r := &ownRedis{t: t, port: freeTCPPort(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *ownRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *ownRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no", "--logfile", "")
	out := &lockedBuffer{}
	r.cmd.Stdout, r.cmd.Stderr = out, out
	require.NoError(r.t, r.cmd.Start())
	r.done = make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server did not start:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop shuts Redis down as a restart does (SIGTERM: the append-only file
// is written, then it exits).
func (r *ownRedis) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

// ownPostgres is a PostgreSQL cluster of the test's own (initdb into a
// temporary directory, run as the postgres user), on a port of its own,
// restartable.
type ownPostgres struct {
	t    *testing.T
	port int
	dir  string
	uid  int
}

func startOwnPostgres(t *testing.T) *ownPostgres {
	t.Helper()
	for _, tool := range []string{"initdb", "pg_ctl", "runuser"} {
		if _, err := exec.LookPath(tool); err != nil {
			if testenv.Required() {
				t.Fatalf("%s not found: %v", tool, err)
			}
			t.Skipf("%s not found", tool)
		}
	}
	u, err := user.Lookup("postgres")
	require.NoError(t, err)
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir, err := os.MkdirTemp("", "ucsp-pg-")
	require.NoError(t, err)
	require.NoError(t, os.Chown(dir, uid, gid))
	p := &ownPostgres{t: t, port: freeTCPPort(t), dir: dir, uid: uid}
	p.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync")
	p.start()
	t.Cleanup(func() {
		p.stop()
		_ = os.RemoveAll(dir)
	})
	return p
}

func (p *ownPostgres) run(args ...string) {
	p.t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(p.t, err, "%v: %s", args, out)
}

func (p *ownPostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

func (p *ownPostgres) start() {
	p.t.Helper()
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "log"), "-w", "start",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", p.port, p.dir))
}

func (p *ownPostgres) stop() {
	cmd := exec.Command("runuser", "-u", "postgres", "--", "pg_ctl", "-D", filepath.Join(p.dir, "data"), "-m", "fast", "-w", "stop")
	_ = cmd.Run()
}

// TestRestarts: under a steady load of custom-source deliveries, the
// service's own Redis (append-only file on) and then its own PostgreSQL
// are each restarted once: every delivery the service accepted (200) is
// stored and its event delivered to the receiver (none lost with the
// jobs and events Redis held), deliveries during an outage are refused
// with 503 (to be retried by their sender), and /health/ready goes 503 during
// each outage and back to 200 without the process restarting.
func TestRestarts(t *testing.T) {
	t.Parallel()
	testenv.DatabaseURL(t) // the same switches as every Postgres and Redis test
	testenv.RedisURL(t)
	pg := startOwnPostgres(t)
	rd := startOwnRedis(t)
	rc := newEventReceiver(t)
	env := rc.env(baseEnv())
	env["DATABASE_URL"] = pg.url()
	env["REDIS_URL"] = rd.url()
	env["ENCRYPTION_KEYS"] = testKeys
	env["EVENTS_SWEEP_INTERVAL"] = "2s"
	in := start(t, env, "all")
	s := &suite{c: newClient(t, in.base), in: in, rcv: rc}
	tok := tokenFor(t, "tenant-restarts")
	id, secret := s.customSource(t, tok)

	// Readiness, every 25 ms: the statuses seen, in order, without
	// repeats.
	var mu sync.Mutex
	var readiness []int
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		hc := &http.Client{Timeout: time.Second}
		for ctx.Err() == nil {
			status := 0
			if resp, err := hc.Get(in.base + "/health/ready"); err == nil {
				status = resp.StatusCode
				_ = resp.Body.Close()
			}
			mu.Lock()
			if n := len(readiness); n == 0 || readiness[n-1] != status {
				readiness = append(readiness, status)
			}
			mu.Unlock()
			time.Sleep(25 * time.Millisecond)
		}
	})
	// Load: deliveries one after the other, each a new message; those
	// answered 200 are accepted.
	var accepted []string
	refused := map[int]int{}
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			msgID := fmt.Sprintf("restart-%d@example.org", i)
			r := s.push(t, id, secret, "msg_restart_"+strconv.Itoa(i), time.Now(), inbound("Restart "+strconv.Itoa(i), msgID), true)
			mu.Lock()
			if r.status == http.StatusOK {
				accepted = append(accepted, "message-id:"+msgID)
			} else {
				refused[r.status]++
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	})
	ready := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(readiness) > 0 && readiness[len(readiness)-1] == http.StatusOK
	}
	// Each outage lasts 3 s, longer than the readiness report's cache.
	time.Sleep(time.Second)
	rd.stop()
	time.Sleep(3 * time.Second)
	rd.start()
	require.Eventually(t, ready, 30*time.Second, 25*time.Millisecond, "ready again after Redis came back")
	time.Sleep(time.Second)
	pg.stop()
	time.Sleep(3 * time.Second)
	pg.start()
	require.Eventually(t, ready, 30*time.Second, 25*time.Millisecond, "ready again after PostgreSQL came back")
	time.Sleep(time.Second)
	stop()
	wg.Wait()

	select {
	case <-in.exited:
		t.Fatalf("the service exited: %v", in.err)
	default:
	}
	mu.Lock()
	seen := append([]int(nil), readiness...)
	mu.Unlock()
	unready := 0
	for _, st := range seen {
		if st == http.StatusServiceUnavailable {
			unready++
		}
	}
	require.GreaterOrEqual(t, unready, 2, "/health/ready said 503 during each outage: %v", seen)
	require.Equal(t, http.StatusOK, seen[len(seen)-1])
	require.NotEmpty(t, accepted)
	for status := range refused {
		require.Equal(t, http.StatusServiceUnavailable, status, "a delivery during an outage is refused with 503 (retry), not %d: %v", status, refused)
	}

	db, err := pgx.Connect(context.Background(), pg.url())
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	var stored int
	require.NoError(t, db.QueryRow(context.Background(),
		`SELECT count(*) FROM messages WHERE integration_id = $1 AND provider_id = ANY($2)`, id, accepted).Scan(&stored))
	require.Equal(t, len(accepted), stored, "every accepted delivery is stored")

	// Every stored message's event reaches the receiver.
	require.Eventually(t, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		delivered := map[string]bool{}
		for wid, subject := range rc.subjects {
			if rc.successes[wid] > 0 {
				delivered[subject] = true
			}
		}
		return len(delivered) >= stored
	}, 3*time.Minute, 100*time.Millisecond, "every accepted delivery's event delivered")
	t.Logf("%d deliveries accepted and stored, refused during the outages %v; readiness %v", len(accepted), refused, seen)
}
