package queue_test

import (
	"testing"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/queue/queuetest"
)

func TestMemoryConformance(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) queue.Broker {
		m := queue.NewMemory(queue.MemoryOptions{})
		t.Cleanup(func() { _ = m.Close() })
		return m
	})
}
