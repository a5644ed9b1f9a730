package server

import (
	_ "embed" // the OpenAPI document
	"net/http"
)

// OpenAPI is the OpenAPI 3.1 document of the API, served at
// /openapi.json. It is written by hand; a test checks it against the
// router's routes and against real requests and responses.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(OpenAPI)
}
