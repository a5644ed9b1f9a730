package pubsub

import (
	"context"
	"fmt"
	"net/http"
	"sync"
)

// keyFetch records, for one validation, whether fetching Google's keys
// failed: idtoken reports that failure only as text.
type keyFetch struct {
	mu  sync.Mutex
	err error
}

type keyFetchKey struct{}

func withKeyFetch(ctx context.Context) (context.Context, *keyFetch) {
	f := &keyFetch{}
	return context.WithValue(ctx, keyFetchKey{}, f), f
}

func (f *keyFetch) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// keyTransport is the transport of the client idtoken fetches keys with.
// It records failed fetches in the request's keyFetch.
type keyTransport struct {
	base http.RoundTripper
}

// RoundTrip sends req with the base transport and records a failure.
func (t keyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	f, ok := req.Context().Value(keyFetchKey{}).(*keyFetch)
	if !ok {
		return resp, err
	}
	var failure error
	switch {
	case err != nil:
		failure = err
	case resp.StatusCode != http.StatusOK:
		failure = fmt.Errorf("GET %s: status %d", req.URL.Redacted(), resp.StatusCode)
	}
	if failure != nil {
		f.mu.Lock()
		f.err = failure
		f.mu.Unlock()
	}
	return resp, err
}

// keyClient returns a copy of hc whose transport records failures.
func keyClient(hc *http.Client) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = keyTransport{base: base}
	return &c
}
