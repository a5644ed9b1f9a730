package testenv_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// TestMissingServiceSkipsOrFails runs a child test without the service's
// variable: it must skip naming the variable, and fail under
// REQUIRE_SERVICES=1.
func TestMissingServiceSkipsOrFails(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		testenv.DatabaseURL(t)
		t.Log("not reached")
		return
	}
	t.Parallel()
	run := func(require string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingServiceSkipsOrFails$", "-test.v")
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, testenv.DatabaseURLVar+"=") && !strings.HasPrefix(kv, testenv.RequireVar+"=") {
				env = append(env, kv)
			}
		}
		cmd.Env = append(env, "TESTENV_CHILD=1", testenv.RequireVar+"="+require)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run("")
	require.NoError(t, err, out)
	require.Contains(t, out, "--- SKIP")
	require.Contains(t, out, testenv.DatabaseURLVar)
	require.NotContains(t, out, "not reached")

	out, err = run("1")
	require.Error(t, err, "under REQUIRE_SERVICES=1 a missing service must fail the test")
	require.Contains(t, out, "--- FAIL")
	require.Contains(t, out, testenv.DatabaseURLVar)
}

func TestLookupReturnsValues(t *testing.T) {
	t.Setenv("TESTENV_A", "a")
	t.Setenv("TESTENV_B", "b")
	require.Equal(t, []string{"a", "b"}, testenv.Lookup(t, "needs a and b", "TESTENV_A", "TESTENV_B"))
}

// TestDepsSeeSDK: the listing RequireLight reads shows a provider SDK
// where there is one, so a light package that gained one would fail.
func TestDepsSeeSDK(t *testing.T) {
	t.Parallel()
	deps := testenv.Deps(t, "github.com/ucsp/integration/gmail")
	found := false
	for _, d := range deps {
		for _, h := range testenv.Heavy {
			found = found || strings.Contains(d, h)
		}
	}
	if !found {
		t.Fatalf("gmail's dependencies show none of %v: %d listed", testenv.Heavy, len(deps))
	}
}
