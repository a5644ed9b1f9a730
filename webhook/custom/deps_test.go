package custom_test

import (
	"testing"

	"github.com/ucsp/integration/internal/testenv"
)

// TestLight: custom-source ingestion pulls in no provider SDK and no tracing,
// metrics or routing library.
func TestLight(t *testing.T) {
	t.Parallel()
	testenv.RequireLight(t, "github.com/ucsp/integration/webhook/custom",
		[]string{"github.com/ucsp/integration/queue"}, testenv.Heavy)
}
