package actionrun_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLight: the action runner pulls in no provider SDK and no tracing,
// metrics or routing library.
func TestLight(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command on PATH to list dependencies")
	}
	cmd := exec.CommandContext(t.Context(), goBin, "list", "-deps", "github.com/ucsp/integration/connector/actionrun")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/ucsp/integration/connector/actionrun", "go list saw the package")
	require.Contains(t, deps, "github.com/ucsp/integration/queue", "the listing holds the dependencies")
	for _, d := range deps {
		for _, banned := range []string{"go.opentelemetry.io", "prometheus", "go-chi", "msgraph", "google.golang.org/api"} {
			require.NotContains(t, d, banned, "actionrun depends on %s", d)
		}
	}
}
