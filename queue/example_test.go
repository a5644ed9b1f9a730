package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ucsp/integration/queue"
)

// A producer enqueues a job with a JSON payload; a worker runs it with the
// handler registered for its type, and the job is acknowledged.
func Example() {
	ctx := context.Background()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()

	done := make(chan struct{})
	var mux queue.Mux
	mux.HandleFunc("welcome", func(_ context.Context, job *queue.Job) error {
		var p struct{ Name string }
		if err := job.Decode(&p); err != nil {
			return err
		}
		fmt.Printf("welcome, %s (attempt %d)\n", p.Name, job.Attempt)
		close(done)
		return nil
	})

	if _, err := queue.EnqueueJSON(ctx, broker, "welcome", map[string]string{"Name": "Ada"}); err != nil {
		panic(err)
	}
	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan error)
	go func() { stopped <- w.Run(runCtx) }()
	<-done
	stop()
	if err := <-stopped; err != nil {
		panic(err)
	}

	stats, err := broker.Stats(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: processed %d, pending %d\n", stats[0].Queue, stats[0].Processed, stats[0].Pending)
	// Output:
	// welcome, Ada (attempt 1)
	// default: processed 1, pending 0
}

// Triggers for the same integration coalesce: while a sync job with the
// key is pending, enqueueing the key again adds nothing.
func ExampleUnique() {
	ctx := context.Background()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()

	for range 3 {
		res, err := broker.Enqueue(ctx, "sync", []byte(`{"integration":42}`), queue.Unique("sync:42"))
		if err != nil {
			panic(err)
		}
		fmt.Println("duplicate:", res.Duplicate)
	}
	stats, err := broker.Stats(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("pending:", stats[0].Pending)
	// Output:
	// duplicate: false
	// duplicate: true
	// duplicate: true
	// pending: 1
}

// A job whose handler says retrying cannot help is dead-lettered at once;
// once the cause is fixed, an operator requeues it and it runs again.
func ExampleMemory_RequeueDead() {
	ctx := context.Background()
	broker := queue.NewMemory(queue.MemoryOptions{})
	defer broker.Close()

	fixed := false
	ran := make(chan struct{})
	handler := queue.HandlerFunc(func(_ context.Context, job *queue.Job) error {
		defer func() { ran <- struct{}{} }()
		if !fixed {
			return fmt.Errorf("template %q missing: %w", job.Payload, queue.ErrSkipRetry)
		}
		fmt.Println("sent with", string(job.Payload))
		return nil
	})
	w, err := queue.NewWorker(broker, handler, queue.WorkerConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = w.Run(runCtx) }()

	res, err := broker.Enqueue(ctx, "email", []byte("welcome-v2"))
	if err != nil {
		panic(err)
	}
	<-ran
	dead, err := broker.Dead(ctx, queue.DefaultQueue, 10)
	for len(dead) == 0 && err == nil { // the failure is recorded just after the handler returns
		time.Sleep(time.Millisecond)
		dead, err = broker.Dead(ctx, queue.DefaultQueue, 10)
	}
	if err != nil {
		panic(err)
	}
	fmt.Printf("dead: %s after %d attempt: %s\n", dead[0].Type, dead[0].Attempts, dead[0].LastError)

	fixed = true
	if err := broker.RequeueDead(ctx, queue.DefaultQueue, res.ID); err != nil {
		panic(err)
	}
	<-ran
	_, err = broker.DeadJob(ctx, queue.DefaultQueue, res.ID)
	fmt.Println("still dead:", !errors.Is(err, queue.ErrNotFound))
	// Output:
	// dead: email after 1 attempt: template "welcome-v2" missing: queue: skip retry
	// sent with welcome-v2
	// still dead: false
}
