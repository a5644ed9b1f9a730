package imap

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mailgen"
)

// The crash test's child process is this test binary, run again with
// these variables (Go's helper-process pattern).
const (
	crashChildDir    = "UCSP_IMAP_CRASH_DIR"
	crashChildFolder = "UCSP_IMAP_CRASH_FOLDER"
)

// committedBatch is one batch as the child commits it: one file, written
// under a temporary name and renamed, so that the batch and its cursor are
// committed together or not at all.
type committedBatch struct {
	Cursor   connector.Cursor `json:"cursor"`
	Messages []committedMsg   `json:"messages"`
}

type committedMsg struct {
	ProviderID string `json:"provider_id"`
	MessageID  string `json:"message_id"`
}

// TestDovecotSyncSurvivesSIGKILL syncs a folder of 1,500 messages in a
// child process that is SIGKILLed at random points, restarted each time
// from its last committed cursor, until it completes; the committed
// batches must hold every message exactly once.
func TestDovecotSyncSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	folder := d.folder(t, adm)
	const total = 1500
	want := fillFolder(t, d, folder, total)

	dir := t.TempDir()
	run := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), crashChildDir+"="+dir, crashChildFolder+"="+folder)
		return cmd
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills := 0
	for kills < 8 {
		before := countBatches(t, dir)
		cmd := run()
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		go func() { _, _ = bufio.NewReader(out).WriteTo(discard{}) }()
		// Let it commit at least one batch, so that every run makes
		// progress, then kill it at a random moment: mid-fetch, mid-parse,
		// mid-commit.
		deadline := time.Now().Add(time.Minute)
		for countBatches(t, dir) == before && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(r.IntN(8000)) * time.Microsecond)
		_ = cmd.Process.Kill() // SIGKILL
		state, _ := cmd.Process.Wait()
		if state != nil && state.Success() {
			break // finished before the kill: no more kill points
		}
		kills++
	}
	require.GreaterOrEqual(t, kills, 5, "the child must be killed at least 5 times")
	out, err := run().CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "CRASH-CHILD DONE")

	seen := map[string]int{}
	pids := map[string]bool{}
	for _, b := range readBatches(t, dir) {
		for _, m := range b.Messages {
			seen[m.MessageID]++
			require.False(t, pids[m.ProviderID], "ProviderID %s committed twice", m.ProviderID)
			pids[m.ProviderID] = true
		}
	}
	for id, n := range seen {
		require.Equal(t, 1, n, "message %s committed %d times", id, n)
	}
	got := make([]string, 0, len(seen))
	for id := range seen {
		got = append(got, id)
	}
	slices.Sort(got)
	require.Equal(t, want, got, "every message of the folder, none missing")
	t.Logf("%d kills, %d batches", kills, countBatches(t, dir))
}

// TestCrashChild is the child process of TestDovecotSyncSurvivesSIGKILL;
// run on its own it does nothing.
func TestCrashChild(t *testing.T) {
	dir, folder := os.Getenv(crashChildDir), os.Getenv(crashChildFolder)
	if dir == "" {
		return
	}
	d := newDovecot(t)
	cfg := d.config(folder)
	cfg.BatchSize = 20
	c := newConnector(t, cfg)
	batches := readBatches(t, dir)
	var cursor connector.Cursor
	if len(batches) > 0 {
		cursor = batches[len(batches)-1].Cursor
	}
	n := len(batches)
	err := c.Sync(context.Background(), cursor, func(_ context.Context, b *connector.Batch) error {
		cb := committedBatch{Cursor: b.Cursor}
		for _, m := range b.Messages {
			cb.Messages = append(cb.Messages, committedMsg{ProviderID: m.ProviderID, MessageID: m.MessageID})
		}
		data, err := json.Marshal(cb)
		if err != nil {
			return err
		}
		if err := commitFile(dir, fmt.Sprintf("batch-%06d.json", n), data); err != nil {
			return err
		}
		n++
		return nil
	})
	require.NoError(t, err)
	fmt.Println("CRASH-CHILD DONE")
}

// commitFile writes data to dir/name durably and atomically: a temporary
// file, fsynced, renamed.
func commitFile(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, "tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, name))
}

func countBatches(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "batch-*.json"))
	require.NoError(t, err)
	return len(m)
}

func readBatches(t *testing.T, dir string) []committedBatch {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "batch-*.json"))
	require.NoError(t, err)
	sort.Strings(names)
	out := make([]committedBatch, 0, len(names))
	for i, name := range names {
		require.Equal(t, fmt.Sprintf("batch-%06d.json", i), filepath.Base(name), "batches are committed in order, without gaps")
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		var b committedBatch
		require.NoError(t, json.Unmarshal(data, &b))
		out = append(out, b)
	}
	return out
}

// fillFolder appends count generated messages to folder over a few
// connections and returns their Message-IDs, sorted.
func fillFolder(t *testing.T, d *dovecot, folder string, count int) []string {
	t.Helper()
	var raws [][]byte
	var ids []string
	require.NoError(t, mailgen.Generate(7, count, "bob@example.test", func(m *mailgen.Message) error {
		raws = append(raws, m.Raw)
		ids = append(ids, m.MessageID)
		return nil
	}))
	const conns = 4
	var wg sync.WaitGroup
	for w := range conns {
		adm := newAdmin(t, d.addr, d.user, d.password)
		wg.Go(func() {
			for i := w; i < len(raws); i += conns {
				if _, err := appendRaw(adm.c, folder, raws[i]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
	slices.Sort(ids)
	return ids
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
