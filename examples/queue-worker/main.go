// Command queue-worker enqueues a few jobs and runs a worker that handles
// them, printing each one, and stops once all of them are done.
//
//	go run ./examples/queue-worker -jobs 5
//	go run ./examples/queue-worker -jobs 5 -redis redis://localhost:6379/0
//
// Without -redis the jobs are kept in the process's memory
// (queue.NewMemory), as in the integration service's embedded mode. With
// -redis they are kept in Redis Streams (queue.NewRedis) under the key
// prefix -prefix, where any number of producers and workers in other
// processes could share them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/queue"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.Jobs, "jobs", 5, "how many jobs to enqueue")
	flag.StringVar(&cfg.RedisURL, "redis", "", "a redis:// URL; empty: keep the jobs in memory")
	flag.StringVar(&cfg.Prefix, "prefix", "queue-worker-example", "the Redis key prefix")
	flag.Parse()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "queue-worker:", err)
		os.Exit(1)
	}
}

// config is run's input.
type config struct {
	Jobs     int
	RedisURL string // empty: queue.NewMemory
	Prefix   string // Redis key prefix
	Logger   *slog.Logger
}

// greeting is a job's payload.
type greeting struct {
	N    int    `json:"n"`
	Name string `json:"name"`
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.Jobs < 1 {
		return fmt.Errorf("-jobs: want at least 1, got %d", cfg.Jobs)
	}
	broker, closeBroker, err := newBroker(cfg)
	if err != nil {
		return err
	}
	defer closeBroker()

	for i := 1; i <= cfg.Jobs; i++ {
		res, err := queue.EnqueueJSON(ctx, broker, "greet", greeting{N: i, Name: fmt.Sprint("customer ", i)})
		if err != nil {
			return fmt.Errorf("enqueueing job %d: %w", i, err)
		}
		fmt.Fprintf(out, "enqueued job %d as %s\n", i, res.ID)
	}

	// The worker runs until its context ends. The handler ends it once
	// every job has been handled.
	workCtx, stopWorking := context.WithCancel(ctx)
	defer stopWorking()
	var (
		mu      sync.Mutex
		handled int
	)
	var mux queue.Mux
	mux.HandleFunc("greet", func(_ context.Context, job *queue.Job) error {
		var g greeting
		if err := job.Decode(&g); err != nil {
			return fmt.Errorf("%w: %w", queue.ErrSkipRetry, err) // retrying cannot fix a bad payload
		}
		mu.Lock()
		defer mu.Unlock()
		handled++
		fmt.Fprintf(out, "handled job %d (hello, %s) as %s, attempt %d\n", g.N, g.Name, job.ID, job.Attempt)
		if handled == cfg.Jobs {
			stopWorking()
		}
		return nil // nil acknowledges the job
	})
	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{Concurrency: 4, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	if err := w.Run(workCtx); err != nil {
		return err
	}

	mu.Lock()
	defer mu.Unlock()
	if handled < cfg.Jobs {
		return fmt.Errorf("stopped after %d of %d jobs: %w", handled, cfg.Jobs, context.Cause(ctx))
	}
	fmt.Fprintf(out, "%d jobs handled\n", handled)
	return nil
}

// newBroker returns the broker cfg asks for and a function that closes it.
func newBroker(cfg config) (queue.Broker, func(), error) {
	if cfg.RedisURL == "" {
		m := queue.NewMemory(queue.MemoryOptions{})
		return m, func() { _ = m.Close() }, nil
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("-redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	r, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: cfg.Prefix, Logger: cfg.Logger})
	if err != nil {
		_ = rdb.Close()
		return nil, nil, err
	}
	// The broker does not close the client it was given.
	return r, func() { _ = r.Close(); _ = rdb.Close() }, nil
}
