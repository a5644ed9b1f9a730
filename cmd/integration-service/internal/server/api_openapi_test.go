package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
)

// TestOpenAPIMatchesRouter checks that the routes the router serves and
// the operations the document describes are the same set, and that the
// document is a valid OpenAPI 3.1 document whose response objects
// refuse unknown members.
func TestOpenAPIMatchesRouter(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, nil)

	var routes []string
	err := chi.Walk(app.Handler(RoleAll).(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+route)
		return nil
	})
	require.NoError(t, err)

	doc := loadOpenAPI(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	require.Equal(t, routes, documented, "chi routes (left) and OpenAPI operations (right) differ")

	// Every object schema of a response says additionalProperties: false,
	// so that a field the document does not name fails validation.
	for name, s := range doc.Components.Schemas {
		if s.Value.Type.Is("object") && len(s.Value.Properties) > 0 {
			has := s.Value.AdditionalProperties.Has
			require.True(t, has != nil && !*has, "schema %s must set additionalProperties: false", name)
		}
	}
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3.1"), "OpenAPI version %s", doc.OpenAPI)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}
