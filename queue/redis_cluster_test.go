package queue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/queue/queuetest"
)

// startOwnCluster starts a three-master Redis Cluster of this test's own
// redis-server processes (never the shared server) and returns a client.
func startOwnCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	testenv.RedisURL(t)
	if _, err := exec.LookPath("redis-server"); err != nil {
		if testenv.Required() {
			t.Fatalf("redis-server not found: %v", err)
		}
		t.Skip("redis-server not found")
	}
	ctx := context.Background()
	addrs := make([]string, 3)
	nodes := make([]*redis.Client, 3)
	for i := range addrs {
		port := freeClusterPort(t)
		dir := t.TempDir()
		cmd := exec.Command("redis-server",
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", "5000", "--dir", dir,
			"--appendonly", "yes", "--save", "", "--daemonize", "no", "--logfile", "")
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			if t.Failed() {
				t.Logf("cluster node %d:\n%s", port, out.String())
			}
		})
		addrs[i] = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		nodes[i] = redis.NewClient(&redis.Options{Addr: addrs[i], MaxRetries: -1})
		t.Cleanup(func() { _ = nodes[i].Close() })
		require.Eventually(t, func() bool { return nodes[i].Ping(ctx).Err() == nil }, 10*time.Second, 10*time.Millisecond)
	}
	// Three masters, a third of the slots each, meeting one another.
	for i, n := range nodes {
		lo, hi := i*16384/3, (i+1)*16384/3-1
		require.NoError(t, n.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err())
	}
	for _, a := range addrs[1:] {
		host, port, _ := net.SplitHostPort(a)
		require.NoError(t, nodes[0].ClusterMeet(ctx, host, port).Err())
	}
	require.Eventually(t, func() bool {
		for _, n := range nodes {
			info, err := n.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "cluster did not form")
	// Every check's broker shares this client, and each worker's idle
	// fetch holds a connection: a pool for many workers.
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, PoolSize: 200})
	t.Cleanup(func() { _ = c.Close() })
	require.Eventually(t, func() bool {
		return c.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() }) == nil
	},
		10*time.Second, 20*time.Millisecond)
	return c
}

// freeClusterPort returns a free port whose cluster bus port (+10000) is
// free too.
func freeClusterPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(30000)
		a, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		_ = a.Close()
		if err != nil {
			continue
		}
		_ = b.Close()
		return port
	}
	t.Fatal("no free port pair")
	return 0
}

// TestRedisClusterConformance runs the conformance suite on a real
// three-master Redis Cluster: a script whose keys were in different slots,
// or a command across queues, would fail with CROSSSLOT.
func TestRedisClusterConformance(t *testing.T) {
	t.Parallel()
	c := startOwnCluster(t)
	// Queues spread over the masters: check that the slots differ.
	slots := map[int]bool{}
	for _, q := range []string{"default", "a", "b", "c", "high", "low"} {
		slots[keySlot(fmt.Sprintf("{p:%s}", q))] = true
	}
	require.Greater(t, len(slots), 1)
	queuetest.Run(t, func(t *testing.T) queue.Broker {
		b, err := queue.NewRedis(c, queue.RedisOptions{Prefix: fmt.Sprintf("c%08x", rand.Uint32()), Logger: testLogger()})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		return b
	})
}
