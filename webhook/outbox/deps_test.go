package outbox_test

import (
	"testing"

	"github.com/ucsp/integration/internal/testenv"
)

// TestLight: the outbox pulls in no tracing, metrics or routing library
// (Hooks are how a deployment plugs those in) and no provider SDK.
func TestLight(t *testing.T) {
	t.Parallel()
	testenv.RequireLight(t, "github.com/ucsp/integration/webhook/outbox",
		[]string{"github.com/ucsp/integration/queue"}, testenv.Heavy)
}
