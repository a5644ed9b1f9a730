package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ucsp/integration/health"
)

// newReadiness returns the checks of readiness: the store and the queue
// reachable (pingStore, pingQueue), both critical.
func newReadiness(logger *slog.Logger, pingStore, pingQueue func(context.Context) error) (*health.Registry, error) {
	checks, err := health.New(health.Options{Logger: logger, CacheTTL: time.Second})
	if err != nil {
		return nil, err
	}
	return checks, errors.Join(
		checks.Register(health.Check{Name: "store", Func: pingStore, Timeout: 2 * time.Second, Critical: true}),
		checks.Register(health.Check{Name: "queue", Func: pingQueue, Timeout: 2 * time.Second, Critical: true}),
	)
}
