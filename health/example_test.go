package health_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ucsp/integration/health"
)

func Example() {
	reg, err := health.New(health.Options{
		Timeout: time.Second,
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	_ = reg.Register(health.Check{
		Name:     "postgres",
		Critical: true,
		Func:     func(context.Context) error { return nil },
	})
	_ = reg.Register(health.Check{
		Name: "thumbnail-cache",
		Func: func(context.Context) error { return errors.New("connection refused") },
	})

	rep := reg.Run(context.Background())
	fmt.Println("overall:", rep.Status)
	for _, res := range rep.Checks {
		fmt.Printf("%s: %s (critical=%t) %v\n", res.Name, res.Status, res.Critical, res.Err)
	}
	// Output:
	// overall: warn
	// postgres: pass (critical=true) <nil>
	// thumbnail-cache: fail (critical=false) connection refused
}
