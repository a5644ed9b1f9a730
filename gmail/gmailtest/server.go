package gmailtest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ucsp/integration/internal/providertest"
)

// Options configures a Server. The zero value is a server with Gmail's
// documented quota costs, no quota enforcement and a test OAuth client.
type Options struct {
	// Costs are the quota units each API method costs, keyed by method
	// name ("messages.get"); nil means DefaultCosts. Methods missing from
	// it cost 5.
	Costs map[string]int
	// UserQuota is how many units one user may spend in any
	// QuotaWindow; a call over it gets 429 rateLimitExceeded with a
	// Retry-After. 0 counts units without enforcing a quota.
	UserQuota int
	// QuotaWindow is the sliding window UserQuota and MaxUnitsPerWindow
	// count over; 0 means a minute, as Gmail's quota is per minute.
	QuotaWindow time.Duration
	// OnPush, when set, is called with each notification an active watch
	// produces, after the change is applied, on the goroutine that made
	// the change. It must not call back into the Server synchronously.
	OnPush func(Push)
	// Now is the server's clock (watch expirations, token lifetimes,
	// quota windows); nil means time.Now.
	Now func() time.Time

	// ClientID and ClientSecret are the OAuth client the token endpoint
	// accepts; "" means "gmailtest-client" and "gmailtest-secret".
	ClientID, ClientSecret string
	// AccessTokenTTL is the lifetime of access tokens the token endpoint
	// issues; 0 means one hour.
	AccessTokenTTL time.Duration
	// RotateRefreshTokens makes every refresh return a new refresh token
	// and revoke the one used.
	RotateRefreshTokens bool
	// Issuer is the iss of the id_tokens the token endpoint issues; ""
	// means the server's URL.
	Issuer string
}

// DefaultCosts returns the quota units Gmail charges for the methods the
// fake serves (developers.google.com/workspace/gmail/api/reference/quota).
func DefaultCosts() map[string]int {
	return map[string]int{
		"users.getProfile": 1,
		"users.watch":      100,
		"users.stop":       50,
		"history.list":     2,
		"messages.list":    5,
		"messages.get":     5,
		"messages.send":    100,
		"threads.get":      10,
		"labels.list":      1,
		"labels.get":       1,
		"messages.modify":  5,
		"messages.trash":   5,
		"messages.untrash": 5,
		// batchModify: 50 units for up to 1,000 ids.
		"messages.batchModify": 50,
	}
}

// Server is a fake Gmail API (REST v1) and Google OAuth server on a
// loopback httptest.Server. Point the Gmail client at it with
// option.WithEndpoint(s.Endpoint()) and option.WithHTTPClient, and an
// oauth2.Config at s.OAuthEndpoint(). It is safe for concurrent use.
type Server struct {
	// URL is the server's base URL, without a trailing slash.
	URL string

	srv  *httptest.Server
	opts Options

	mu       sync.Mutex
	users    map[string]*Mailbox // by lower-case address
	tokens   *providertest.Tokens
	faults   providertest.Faults[Fault]
	calls    map[string]int
	requests []Request
	units    map[string]*unitLog // by user
	oauth    oauthState
	keys     idSigner
}

// Request is an API call the server received.
type Request struct {
	// Method is the API method ("messages.list").
	Method string
	// Path and Query are the request's URL path and query parameters.
	Path  string
	Query url.Values
}

// NewServer starts a Server. Close it when done.
func NewServer(opts Options) *Server {
	if opts.Costs == nil {
		opts.Costs = DefaultCosts()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ClientID == "" {
		opts.ClientID = "gmailtest-client"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "gmailtest-secret"
	}
	if opts.QuotaWindow <= 0 {
		opts.QuotaWindow = time.Minute
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	s := &Server{
		opts:   opts,
		users:  make(map[string]*Mailbox),
		tokens: providertest.NewTokens("ya29.gmailtest-", "1//gmailtest-", opts.AccessTokenTTL, opts.Now),
		calls:  make(map[string]int),
		units:  make(map[string]*unitLog),
		oauth:  newOAuthState(),
	}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Endpoint is the base URL to give option.WithEndpoint: the server's URL
// with a trailing slash, as the Gmail client resolves paths against it.
func (s *Server) Endpoint() string { return s.URL + "/" }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Requests returns the API calls of method the server received (all
// when method is ""), oldest first, faults and errors included.
func (s *Server) Requests(method string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if method == "" || r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// Calls returns how many requests for method ("messages.get") the server
// answered, faults and errors included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern, method string, h apiHandler) {
		mux.Handle(pattern, s.api(method, h))
	}
	const u = "/gmail/v1/users/{userId}"
	api("GET "+u+"/profile", "users.getProfile", s.getProfile)
	api("POST "+u+"/watch", "users.watch", s.watch)
	api("POST "+u+"/stop", "users.stop", s.stop)
	api("GET "+u+"/messages", "messages.list", s.listMessages)
	api("GET "+u+"/messages/{id}", "messages.get", s.getMessage)
	api("POST "+u+"/messages/send", "messages.send", s.sendMessage)
	api("POST /upload"+u+"/messages/send", "messages.send", s.sendMessage)
	api("GET "+u+"/threads/{id}", "threads.get", s.getThread)
	api("GET "+u+"/history", "history.list", s.listHistory)
	api("GET "+u+"/labels", "labels.list", s.listLabels)
	api("GET "+u+"/labels/{id}", "labels.get", s.getLabel)
	api("POST "+u+"/messages/{id}/modify", "messages.modify", s.modifyMessage)
	api("POST "+u+"/messages/batchModify", "messages.batchModify", s.batchModify)
	api("POST "+u+"/messages/{id}/trash", "messages.trash", s.trashMessage(false))
	api("POST "+u+"/messages/{id}/untrash", "messages.untrash", s.trashMessage(true))
	mux.HandleFunc("GET /o/oauth2/auth", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /revoke", s.revoke)
	mux.HandleFunc("GET /oauth2/v3/certs", s.jwks)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError{code: http.StatusNotFound, message: "gmailtest: no such endpoint " + r.Method + " " + r.URL.Path}.write(w)
	})
	return mux
}

// apiHandler answers one API call for the authenticated user's mailbox.
type apiHandler func(w http.ResponseWriter, r *http.Request, mb *Mailbox) error

// api wraps h with what every Gmail call goes through: the bearer token,
// the userId check, injected faults and the quota.
func (s *Server) api(method string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[method]++
		s.requests = append(s.requests, Request{Method: method, Path: r.URL.Path, Query: r.URL.Query()})
		s.mu.Unlock()
		mb, aerr := s.authenticate(r)
		if aerr != nil {
			aerr.write(w)
			return
		}
		if f := s.takeFault(method, mb.email); f != nil {
			if !providertest.Sleep(r.Context(), f.Delay) {
				return
			}
			if f.Status != 0 {
				apiError{code: f.Status, reason: f.Reason, message: f.Message, retryAfter: f.RetryAfter}.write(w)
				return
			}
		}
		if aerr := s.charge(mb.email, method); aerr != nil {
			aerr.write(w)
			return
		}
		if err := h(w, r, mb); err != nil {
			if ae, ok := err.(apiError); ok {
				ae.write(w)
				return
			}
			apiError{code: http.StatusInternalServerError, message: err.Error()}.write(w)
		}
	})
}

// authenticate checks the bearer token and the path's userId ("me" or
// the token's user).
func (s *Server) authenticate(r *http.Request) (*Mailbox, *apiError) {
	tok, ok := providertest.BearerToken(r)
	if !ok {
		return nil, &apiError{code: http.StatusUnauthorized, message: "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential."}
	}
	s.mu.Lock()
	user, valid := s.tokens.User(tok)
	var mb *Mailbox
	if valid {
		mb = s.users[user]
	}
	s.mu.Unlock()
	if mb == nil {
		return nil, &apiError{code: http.StatusUnauthorized}
	}
	if id := r.PathValue("userId"); id != "me" && !strings.EqualFold(id, mb.email) {
		return nil, &apiError{code: http.StatusForbidden, reason: ReasonForbidden, message: "Delegation denied for " + mb.email}
	}
	return mb, nil
}
