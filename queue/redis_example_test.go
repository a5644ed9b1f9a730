package queue_test

import (
	"context"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/queue"
)

// A service on Redis: producers and workers, in any number of processes,
// share the queues of one prefix. (Not run: it needs a Redis server.)
func ExampleNewRedis() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// Redis runs with appendonly yes (see Redis). The pool serves the
	// workers' blocked fetches too.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", PoolSize: 50})
	defer rdb.Close()
	broker, err := queue.NewRedis(rdb, queue.RedisOptions{Prefix: "myapp"})
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close() // writes what is batched; leaves rdb open

	// Coalesce sync triggers: while one is pending, more are no-ops.
	if _, err := broker.Enqueue(ctx, "sync", []byte(`{"integration":"42"}`),
		queue.OnQueue("sync"), queue.Unique("sync:42"), queue.MaxAttempts(10)); err != nil {
		log.Fatal(err)
	}

	var mux queue.Mux
	mux.HandleFunc("sync", func(ctx context.Context, job *queue.Job) error {
		return nil // sync the integration
	})
	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{
		Queues:      map[string]int{"sync": 3, queue.DefaultQueue: 1},
		Concurrency: 20,
		Lease:       15 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Run(ctx); err != nil { // until Ctrl-C, then a graceful shutdown
		log.Fatal(err)
	}
}
