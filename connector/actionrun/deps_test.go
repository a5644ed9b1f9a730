package actionrun_test

import (
	"testing"

	"github.com/ucsp/integration/internal/testenv"
)

// TestLight: the action runner pulls in no provider SDK and no tracing,
// metrics or routing library.
func TestLight(t *testing.T) {
	t.Parallel()
	testenv.RequireLight(t, "github.com/ucsp/integration/connector/actionrun",
		[]string{"github.com/ucsp/integration/queue"}, testenv.Heavy)
}
