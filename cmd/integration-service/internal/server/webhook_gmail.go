package server

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/webhook/pubsub"
)

// gmailPushHandler returns POST /webhooks/gmail: Pub/Sub pushes of Gmail
// watches, verified by their OIDC token (GMAIL_PUSH_AUDIENCE,
// GMAIL_PUSH_SERVICE_ACCOUNT) and served once per Pub/Sub message id.
// Without a service account configured every push is refused with 503,
// so that Pub/Sub keeps it until the server is configured.
//
// A verified push's mailbox gets a (coalesced) sync in every tenant
// that connected it (connector/pushwatch), and the push is acknowledged
// at once (204). A push for no known mailbox is acknowledged too (its
// watch outlived the integration); one whose data is not a Gmail
// notification is 400.
func (a *App) gmailPushHandler(ctx context.Context, opts Options) (http.Handler, error) {
	if a.cfg.Gmail.PushServiceAccount == "" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, http.StatusServiceUnavailable, probNotConfigured, "Gmail push is not configured on this server (GMAIL_PUSH_SERVICE_ACCOUNT)")
		}), nil
	}
	v, err := pubsub.New(ctx, pubsub.Options{
		Audience:       a.cfg.Gmail.PushAudience,
		ServiceAccount: a.cfg.Gmail.PushServiceAccount,
		HTTPClient:     opts.GoogleHTTPClient,
		MaxBodyBytes:   a.cfg.MaxBodyBytes,
		Replay:         a.replayStore(),
		Logger:         a.logger,
	})
	if err != nil {
		return nil, err
	}
	return v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		push, _, ok := pubsub.PushFromContext(r.Context())
		if !ok {
			internalError(w, r, a.logger, "gmail push", errors.New("no verified push in the request context"))
			return
		}
		n, err := gmail.ParseNotification(base64.StdEncoding.EncodeToString(push.Message.Data))
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the push is not a Gmail notification")
			return
		}
		synced, err := a.push.GmailPush(r.Context(), n.EmailAddress)
		if err != nil {
			internalError(w, r, a.logger, "routing a gmail push", err)
			return
		}
		if synced == 0 {
			a.logger.InfoContext(r.Context(), "gmail push for no connected mailbox", "pubsub_message_id", push.Message.MessageID)
		}
		w.WriteHeader(http.StatusNoContent)
	})), nil
}
