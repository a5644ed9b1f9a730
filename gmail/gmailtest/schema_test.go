package gmailtest_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// discovery is the part of a Google discovery document the checks use.
type discovery struct {
	Schemas map[string]schema `json:"schemas"`
}

type schema struct {
	Type       string            `json:"type"`
	Format     string            `json:"format"`
	Ref        string            `json:"$ref"`
	Items      *schema           `json:"items"`
	Properties map[string]schema `json:"properties"`
}

// loadDiscovery reads the Gmail discovery document shipped with the
// module's google.golang.org/api, the source the generated client is
// made from.
func loadDiscovery(t *testing.T) *discovery {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "google.golang.org/api").Output()
	require.NoError(t, err, "locating google.golang.org/api")
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "gmail", "v1", "gmail-api.json"))
	require.NoError(t, err)
	var d discovery
	require.NoError(t, json.Unmarshal(b, &d))
	require.NotEmpty(t, d.Schemas["Message"].Properties)
	return &d
}

// conforms checks that v (decoded JSON) has only properties the schema
// declares, each of the declared JSON type: 64-bit integers as strings
// holding integers, 32-bit ones as numbers.
func (d *discovery) conforms(t *testing.T, path string, s schema, v any) {
	t.Helper()
	if s.Ref != "" {
		ref, ok := d.Schemas[s.Ref]
		require.True(t, ok, "%s: unknown schema %s", path, s.Ref)
		s = ref
	}
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		require.True(t, ok, "%s: want an object, got %T", path, v)
		for k, pv := range obj {
			ps, ok := s.Properties[k]
			require.True(t, ok, "%s: property %q is not in the discovery document", path, k)
			d.conforms(t, path+"."+k, ps, pv)
		}
	case "array":
		arr, ok := v.([]any)
		require.True(t, ok, "%s: want an array, got %T", path, v)
		for i, iv := range arr {
			d.conforms(t, path+"["+strconv.Itoa(i)+"]", *s.Items, iv)
		}
	case "string":
		str, ok := v.(string)
		require.True(t, ok, "%s: want a string, got %T", path, v)
		if s.Format == "int64" || s.Format == "uint64" {
			_, err := strconv.ParseInt(str, 10, 64)
			require.NoError(t, err, "%s: want an integer in a string", path)
		}
	case "integer":
		n, ok := v.(float64)
		require.True(t, ok && n == math.Trunc(n), "%s: want an integer number, got %v", path, v)
	case "boolean":
		_, ok := v.(bool)
		require.True(t, ok, "%s: want a boolean, got %T", path, v)
	default:
		t.Fatalf("%s: schema type %q not handled", path, s.Type)
	}
}

// check decodes body and checks it against schema name.
func (d *discovery) check(t *testing.T, name string, body []byte) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v), "%s: %s", name, body)
	d.conforms(t, name, schema{Ref: name}, v)
}
