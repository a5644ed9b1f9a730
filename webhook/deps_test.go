package webhook_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goListDeps returns the packages pkg depends on, with the go command.
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command on PATH to list dependencies")
	}
	cmd := exec.Command(goBin, "list", "-deps", pkg)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Fields(string(out))
}

// TestNoProviderSDKs: a service that imports webhook alone does not
// compile Google's or Microsoft's SDKs; only webhook/pubsub pulls idtoken.
func TestNoProviderSDKs(t *testing.T) {
	t.Parallel()
	deps := goListDeps(t, "github.com/ucsp/integration/webhook")
	require.Contains(t, deps, "github.com/ucsp/integration/webhook", "go list saw the package")
	for _, d := range deps {
		for _, banned := range []string{"google.golang.org/api", "cloud.google.com/", "google.golang.org/grpc", "msgraph", "microsoft/kiota"} {
			require.NotContains(t, d, banned, "webhook depends on %s", d)
		}
	}

	// The check can see an SDK where there is one.
	require.Contains(t, goListDeps(t, "github.com/ucsp/integration/webhook/pubsub"), "google.golang.org/api/idtoken")
}

// TestPubsubtestDeps: the test helpers for Pub/Sub pushes pull neither
// the Gmail nor the Graph SDK into a user's tests.
func TestPubsubtestDeps(t *testing.T) {
	t.Parallel()
	deps := goListDeps(t, "github.com/ucsp/integration/webhook/pubsub/pubsubtest")
	require.Contains(t, deps, "github.com/ucsp/integration/webhook/pubsub/pubsubtest", "go list saw the package")
	for _, d := range deps {
		for _, banned := range []string{"google.golang.org/api/gmail", "msgraph", "microsoft/kiota"} {
			require.NotContains(t, d, banned, "pubsubtest depends on %s", d)
		}
	}
}
