package testenv

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Heavy are the module paths a light package of this module must not
// depend on: the provider SDKs, and the tracing, metrics and routing
// libraries that a deployment plugs in through hooks.
var Heavy = []string{"go.opentelemetry.io", "prometheus", "go-chi", "msgraph", "google.golang.org/api"}

// Deps returns the packages pkg depends on (pkg included), as
// `go list -deps` lists them. It skips t when the go command is not on
// PATH.
func Deps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command on PATH to list dependencies")
	}
	cmd := exec.CommandContext(t.Context(), goBin, "list", "-deps", pkg)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// RequireLight fails t unless pkg's dependencies hold every package of
// present (so that the listing is known to be whole: pkg itself and one
// of its real dependencies) and none whose path contains one of banned.
func RequireLight(t *testing.T, pkg string, present, banned []string) {
	t.Helper()
	deps := Deps(t, pkg)
	for _, p := range append([]string{pkg}, present...) {
		if !slices.Contains(deps, p) {
			t.Errorf("go list -deps %s does not list %s: the listing is not whole", pkg, p)
		}
	}
	for _, d := range deps {
		for _, b := range banned {
			if strings.Contains(d, b) {
				t.Errorf("%s depends on %s (%s is not for a light package)", pkg, d, b)
			}
		}
	}
}
