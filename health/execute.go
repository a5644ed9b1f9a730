package health

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// runAll runs the checks in entries concurrently and waits for all of them,
// each for at most its timeout.
func (r *Registry) runAll(ctx context.Context, entries []*entry) Report {
	results := make([]Result, len(entries))
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Go(func() { results[i] = r.runOne(ctx, e) })
	}
	wg.Wait()
	return newReport(results)
}

// runOne runs one check and turns its outcome into a Result.
func (r *Registry) runOne(ctx context.Context, e *entry) Result {
	timeout := e.check.Timeout
	if timeout == 0 {
		timeout = r.timeout
	}
	start := time.Now()
	err := r.invoke(ctx, e, timeout)
	res := Result{
		Name:     e.check.Name,
		Status:   StatusPass,
		Critical: e.check.Critical,
		Time:     start,
		Latency:  time.Since(start),
		Err:      err,
	}
	if err != nil {
		res.Status = StatusFail
	}
	return res
}

// invoke calls the check in its own goroutine and waits for it until
// timeout. A check that ignores its context is abandoned at the deadline; it
// is not called again until that call returns, so a hung dependency cannot
// pile up goroutines.
func (r *Registry) invoke(ctx context.Context, e *entry, timeout time.Duration) error {
	if !e.busy.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: an earlier call has not returned", ErrTimeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		err := r.call(ctx, e.check)
		e.busy.Store(false) // before the send, so the next run sees it
		errc <- err
	}()

	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		select {
		case err = <-errc:
		default:
			return fmt.Errorf("%w after %v", ErrTimeout, timeout)
		}
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w after %v: %w", ErrTimeout, timeout, err)
	}
	return err
}

// call runs c.Func, turning a panic into an error wrapping ErrPanic.
func (r *Registry) call(ctx context.Context, c Check) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		r.logger.Error("health: check panicked",
			"check", c.Name, "panic", v, "stack", string(debug.Stack()))
		if verr, ok := v.(error); ok {
			err = fmt.Errorf("%w: %w", ErrPanic, verr)
		} else {
			err = fmt.Errorf("%w: %v", ErrPanic, v)
		}
	}()
	return c.Func(ctx)
}
