package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/cmd/integration-service/internal/server"
)

// apiClient drives the API over HTTP and checks every exchange against
// the OpenAPI document: the request (unless the test means it to be
// refused) and always the response, status code included. It records
// which operations answered a valid success, and how many requests
// each route pattern answered with each status, for the metrics check.
type apiClient struct {
	t      *testing.T
	base   string
	hc     *http.Client
	doc    *openapi3.T
	router routers.Router

	mu        sync.Mutex
	succeeded map[string]bool
	counts    map[string]int // "METHOD pattern status"
}

func newClient(t *testing.T, base string) *apiClient {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return &apiClient{t: t, base: base, hc: &http.Client{}, doc: doc, router: router, succeeded: map[string]bool{}, counts: map[string]int{}}
}

// call is one request.
type call struct {
	method, path string
	token        string
	body         any    // sent as JSON
	raw          []byte // sent as is, when set
	contentType  string // default application/json when there is a body
	header       map[string]string
	// invalid: the request is meant to be refused, so it is not checked
	// against the document (its response still is).
	invalid bool
}

// reply is a response, read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (c *apiClient) do(t *testing.T, cl call) *reply {
	t.Helper()
	body := cl.raw
	if body == nil && cl.body != nil {
		var err error
		body, err = json.Marshal(cl.body)
		require.NoError(t, err)
	}
	req, err := http.NewRequest(cl.method, c.base+cl.path, bytes.NewReader(body))
	require.NoError(t, err)
	if body != nil {
		ct := cl.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	for k, v := range cl.header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := &reply{status: resp.StatusCode, header: resp.Header, body: rb}
	c.check(t, req, body, cl.invalid, r)
	return r
}

// check validates one exchange against the document.
func (c *apiClient) check(t *testing.T, req *http.Request, body []byte, invalid bool, r *reply) {
	t.Helper()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return // a path or method the API does not have: nothing to check against
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	if !invalid {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: the request does not match the OpenAPI document: %v", req.Method, req.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header, Options: opts}
	out.SetBodyBytes(r.body)
	respErr := openapi3filter.ValidateResponse(ctx, out)
	if respErr != nil {
		t.Errorf("%s %s -> %d: the response does not match the OpenAPI document: %v\n%s", req.Method, req.URL.Path, r.status, respErr, r.body)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if respErr == nil && r.status < 300 {
		c.succeeded[route.Operation.OperationID] = true
	}
	c.counts[req.Method+" "+route.Path+" "+strconv.Itoa(r.status)]++
}

// exercisedInProcess are the operations a black-box run cannot bring
// to a success, with the in-process tests that do: a Gmail push needs
// a token signed by a key Google serves, which only an App built in the
// test process can be told to trust.
var exercisedInProcess = map[string]string{
	"gmailPush": "internal/server TestGmailEndToEnd",
}

// unexercised returns the operations of the document that never
// answered a validated success.
func (c *apiClient) unexercised() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var missing []string
	for _, item := range c.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if !c.succeeded[op.OperationID] && exercisedInProcess[op.OperationID] == "" {
				missing = append(missing, op.OperationID)
			}
		}
	}
	slices.Sort(missing)
	return missing
}

func (r *reply) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "%s", r.body)
}

// problemBody is an RFC 9457 problem as the server writes it.
type problemBody struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// requireProblem checks that r is a problem+json of status and returns it.
func (r *reply) requireProblem(t *testing.T, status int) problemBody {
	t.Helper()
	require.Equal(t, status, r.status, "%s", r.body)
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	var p problemBody
	r.decode(t, &p)
	require.Equal(t, status, p.Status)
	require.NotEmpty(t, p.Type)
	return p
}

// fields returns the field names of a problem's errors.
func (p problemBody) fields() []string {
	var f []string
	for _, e := range p.Errors {
		f = append(f, e.Field)
	}
	return f
}
