package queue_test

import (
	"testing"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/queue/queuetest"
)

// TestRedisConformance runs the broker conformance suite on real Redis,
// each check under its own key prefix.
func TestRedisConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T) queue.Broker {
		b, _ := newTestRedis(t, queue.RedisOptions{})
		return b
	})
}
