package outlooktest

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ucsp/integration/internal/providertest"
)

// Options configures a Server. The zero value is a server with Graph's
// limits, a test OAuth client and plain-HTTP notification URLs refused.
type Options struct {
	// Now is the server's clock (token lifetimes, subscription
	// expiries); nil means time.Now.
	Now func() time.Time
	// ClientID and ClientSecret are the OAuth client the token endpoint
	// accepts; "" means "outlooktest-client" and "outlooktest-secret".
	ClientID, ClientSecret string
	// AccessTokenTTL is the lifetime of issued access tokens; 0 means
	// one hour.
	AccessTokenTTL time.Duration
	// RevokeUsedRefreshTokens makes a refresh revoke the refresh token
	// it used. Microsoft rotates refresh tokens on every use without
	// revoking the old one; set this to check that a client persists
	// each new one.
	RevokeUsedRefreshTokens bool
	// AllowHTTPNotificationURLs accepts http:// notification URLs
	// (Graph requires https), for tests whose receiver is a plain
	// httptest.Server.
	AllowHTTPNotificationURLs bool
	// HTTPClient performs the subscription validation handshake and
	// delivers notifications; nil means a client with a 10 s timeout,
	// Graph's limit for the handshake.
	HTTPClient *http.Client
	// DefaultPageSize is the delta page size without a Prefer:
	// odata.maxpagesize; 0 means 10, Graph's default for messages.
	DefaultPageSize int
}

// Server is a fake Microsoft Graph v1.0 (the mail endpoints) and
// Microsoft identity platform on a loopback httptest.Server. Point the
// Graph SDK's request adapter at Endpoint() and an oauth2.Config at
// OAuthEndpoint(tenant). It is safe for concurrent use.
type Server struct {
	// URL is the server's base URL, without a trailing slash.
	URL string

	srv  *httptest.Server
	opts Options
	hc   *http.Client
	wg   sync.WaitGroup // notification deliveries

	mu       sync.Mutex
	users    map[string]*Mailbox // by lower-case address
	tokens   *providertest.Tokens
	faults   providertest.Faults[Fault]
	requests []Request
	subs     map[string]*subscription
	oauth    oauthState
	closed   bool
	inFlight map[string]int // by user
	peak     map[string]int
}

// Request is an API call the server received.
type Request struct {
	// Op names the call ("me", "delta", "messages.value", "sendMail",
	// "subscriptions.create", ...).
	Op string
	// Method, Path and Query are the HTTP request's.
	Method string
	Path   string
	Query  url.Values
	// Header is a copy of the request's header, Authorization removed.
	Header http.Header
}

// NewServer starts a Server. Close it when done.
func NewServer(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ClientID == "" {
		opts.ClientID = "outlooktest-client"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "outlooktest-secret"
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.DefaultPageSize <= 0 {
		opts.DefaultPageSize = 10
	}
	s := &Server{
		opts:     opts,
		hc:       opts.HTTPClient,
		users:    make(map[string]*Mailbox),
		tokens:   providertest.NewTokens("eyJ0eXAiOiJKV1Qi.outlooktest.", "0.AXoA-outlooktest-", opts.AccessTokenTTL, opts.Now),
		subs:     make(map[string]*subscription),
		oauth:    newOAuthState(),
		inFlight: make(map[string]int),
		peak:     make(map[string]int),
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	return s
}

// Close waits for notification deliveries in flight and shuts the
// server down.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
	s.srv.Close()
}

// Endpoint is the Graph base URL to give the SDK's request adapter
// (SetBaseUrl): the server's URL and "/v1.0".
func (s *Server) Endpoint() string { return s.URL + "/v1.0" }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Requests returns the calls of op the server received (all when op is
// ""), oldest first, faults and errors included.
func (s *Server) Requests(op string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if op == "" || r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// Calls returns how many calls of op the server received.
func (s *Server) Calls(op string) int { return len(s.Requests(op)) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern, op string, h apiHandler) { mux.Handle(pattern, s.api(op, h)) }
	const me = "/v1.0/me"
	api("GET "+me, "me", s.getMe)
	api("GET "+me+"/mailFolders/{folder}/messages/delta()", "delta", s.delta)
	api("GET "+me+"/mailFolders/{folder}/messages/delta", "delta", s.delta)
	api("GET "+me+"/mailFolders/{folder}/messages", "messages.list", s.listMessages)
	api("GET "+me+"/messages/{id}", "messages.get", s.getMessage)
	api("GET "+me+"/messages/{id}/$value", "messages.value", s.getValue)
	api("PATCH "+me+"/messages/{id}", "messages.update", s.patchMessage)
	api("POST "+me+"/messages/{id}/move", "messages.move", s.moveMessage)
	api("GET "+me+"/mailFolders", "mailFolders.list", s.listFolders)
	api("GET "+me+"/mailFolders/{folder}", "mailFolders.get", s.getFolder)
	api("GET "+me+"/mailFolders/{folder}/childFolders", "mailFolders.childFolders", s.listFolders)
	api("POST "+me+"/sendMail", "sendMail", s.sendMail)
	api("POST "+me+"/messages/{id}/reply", "reply", s.reply)
	api("POST /v1.0/subscriptions", "subscriptions.create", s.createSubscription)
	api("GET /v1.0/subscriptions/{id}", "subscriptions.get", s.getSubscription)
	api("PATCH /v1.0/subscriptions/{id}", "subscriptions.update", s.updateSubscription)
	api("DELETE /v1.0/subscriptions/{id}", "subscriptions.delete", s.deleteSubscription)
	api("POST /v1.0/subscriptions/{id}/reauthorize", "subscriptions.reauthorize", s.reauthorizeSubscription)
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", s.authorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		graphError{status: http.StatusBadRequest, code: "BadRequest", message: "Resource not found for the segment '" + r.URL.Path + "'."}.write(w, r)
	})
	return mux
}

// apiHandler answers one call for the authenticated user's mailbox.
type apiHandler func(w http.ResponseWriter, r *http.Request, mb *Mailbox) error

// api wraps h with what every Graph call goes through: the request log,
// the bearer token, injected faults and gzip request bodies.
func (s *Server) api(op string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := r.Header.Clone()
		hdr.Del("Authorization")
		s.mu.Lock()
		s.requests = append(s.requests, Request{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: hdr})
		s.mu.Unlock()
		mb, gerr := s.authenticate(r)
		if gerr != nil {
			gerr.write(w, r)
			return
		}
		s.enter(mb.email)
		defer s.leave(mb.email)
		if f := s.takeFault(op, mb.email); f != nil {
			if !providertest.Sleep(r.Context(), f.Delay) {
				return
			}
			if f.Status != 0 {
				f.graphError().write(w, r)
				return
			}
		}
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				badRequest("the gzip request body is corrupt").write(w, r)
				return
			}
			r.Body = io.NopCloser(zr)
			r.Header.Del("Content-Encoding")
		}
		if err := h(w, r, mb); err != nil {
			if ge, ok := err.(graphError); ok {
				ge.write(w, r)
				return
			}
			graphError{status: http.StatusInternalServerError, code: "generalException", message: err.Error()}.write(w, r)
		}
	})
}

// authenticate checks the bearer token.
func (s *Server) authenticate(r *http.Request) (*Mailbox, *graphError) {
	tok, ok := providertest.BearerToken(r)
	if !ok {
		return nil, &graphError{status: http.StatusUnauthorized, code: "InvalidAuthenticationToken", message: "Access token is empty."}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user, valid := s.tokens.User(tok)
	if !valid || s.users[user] == nil {
		return nil, &graphError{status: http.StatusUnauthorized, code: "InvalidAuthenticationToken", message: "Lifetime validation failed, the token is expired."}
	}
	return s.users[user], nil
}

func (s *Server) enter(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight[user]++
	s.peak[user] = max(s.peak[user], s.inFlight[user])
}

func (s *Server) leave(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight[user]--
}

// PeakConcurrency returns the most authenticated calls for email's
// mailbox the server has had in progress at once: Graph allows an app
// 4 per mailbox.
func (s *Server) PeakConcurrency(email string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak[strings.ToLower(email)]
}
