package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/ucsp/integration/internal/retry"
	"github.com/ucsp/integration/store"
)

// errorBytes is how much of a refusal's body the debug log shows.
const errorBytes = 200

// outcome is what one delivery attempt came to.
type outcome struct {
	// retry: a network error, a 5xx, 408 or 429; otherwise a refusal
	// (any other non-2xx) or a success.
	ok, retry bool
	// status is the receiver's status code; 0 without an answer.
	status int
	// retryAfter is the receiver's Retry-After, if it gave one.
	retryAfter time.Duration
	// class is why the attempt failed, as the event's tenant sees it:
	// never the receiver's words.
	class string
	// detail is the failure's own text, for the operator's debug log
	// only: the client's error without the URL, or the receiver's status
	// and the start of its answer.
	detail string
}

// failed is an attempt that failed without an answer.
func failed(class string, retry bool, err error) outcome {
	return outcome{retry: retry, class: class, detail: err.Error()}
}

// post makes one delivery attempt of ev, within AttemptTimeout.
func (o *Outbox) post(ctx context.Context, ev *store.Event) outcome {
	body, err := envelope(ev)
	if err != nil {
		return failed(ClassInternal, false, err)
	}
	h, err := o.opts.Signer.Sign(ev.ID, time.Now(), body)
	if err != nil {
		return failed(ClassInternal, false, err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.opts.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.opts.URL, bytes.NewReader(body))
	if err != nil {
		return failed(ClassInternal, false, withoutURL(err))
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", o.opts.UserAgent)
	if o.opts.Hooks.Request != nil {
		o.opts.Hooks.Request(req)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return failed(networkClass(err), true, withoutURL(err))
	}
	defer func() { _ = resp.Body.Close() }()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, errorBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return outcome{ok: true, status: resp.StatusCode}
	}
	out := outcome{status: resp.StatusCode, class: StatusClass(resp.StatusCode),
		detail: fmt.Sprintf("receiver answered %d: %q", resp.StatusCode, bytes.TrimSpace(snippet))}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		out.retry = true
		out.retryAfter = retry.AfterHeader(resp.Header, time.Now())
	}
	return out
}

// withoutURL drops the URL from a client error: the URL may carry a
// token in its query.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
