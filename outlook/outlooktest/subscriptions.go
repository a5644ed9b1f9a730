package outlooktest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxSubscriptionLifetime is the longest a subscription to Outlook
// messages may last: 10,080 minutes.
const MaxSubscriptionLifetime = 10080 * time.Minute

// Subscription is a change-notification subscription the server holds.
type Subscription struct {
	ID                       string    `json:"id"`
	Resource                 string    `json:"resource"`
	ChangeType               string    `json:"changeType"`
	ClientState              string    `json:"clientState,omitempty"`
	NotificationURL          string    `json:"notificationUrl"`
	LifecycleNotificationURL string    `json:"lifecycleNotificationUrl,omitempty"`
	ExpirationDateTime       time.Time `json:"expirationDateTime"`
	// Reauthorized counts POST /subscriptions/{id}/reauthorize calls.
	Reauthorized int `json:"-"`
}

type subscription struct {
	Subscription
	user string
}

// Subscriptions returns the subscriptions of email's mailbox.
func (s *Server) Subscriptions(email string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.subs {
		if strings.EqualFold(sub.user, email) {
			out = append(out, sub.Subscription)
		}
	}
	return out
}

// RemoveSubscription drops subscription id on the server's side, as
// Graph does before it sends a subscriptionRemoved lifecycle event.
func (s *Server) RemoveSubscription(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs, id)
}

func (s *Server) wireSub(sub *subscription) map[string]any {
	return map[string]any{
		"@odata.context": s.URL + "/v1.0/$metadata#subscriptions/$entity",
		"id":             sub.ID, "resource": sub.Resource, "applicationId": s.opts.ClientID,
		"changeType": sub.ChangeType, "clientState": sub.ClientState,
		"notificationUrl": sub.NotificationURL, "lifecycleNotificationUrl": sub.LifecycleNotificationURL,
		"expirationDateTime": sub.ExpirationDateTime.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"creatorId":          sub.user, "latestSupportedTlsVersion": "v1_2",
		"includeResourceData": false, "notificationContentType": nil,
	}
}

// createSubscription serves POST /subscriptions: it checks the fields as
// Graph does (changeType, https URLs, clientState ≤ 128 characters, an
// expiry in the future and at most MaxSubscriptionLifetime away), then
// performs the validation handshake against notificationUrl and
// lifecycleNotificationUrl, and answers 201.
func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	var req Subscription
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(&req); err != nil {
		return badRequest("Unable to read JSON request payload: " + err.Error())
	}
	for _, ct := range strings.Split(req.ChangeType, ",") {
		if ct != "created" && ct != "updated" && ct != "deleted" {
			return badRequest("Invalid 'changeType' attribute: '" + req.ChangeType + "'.")
		}
	}
	res := strings.TrimPrefix(strings.ToLower(req.Resource), "/")
	if !strings.HasPrefix(res, "me/") && !strings.HasPrefix(res, "users/") || !strings.HasSuffix(res, "messages") {
		return badRequest("Invalid 'resource' attribute: '" + req.Resource + "'.")
	}
	if len(req.ClientState) > 128 {
		return badRequest("clientState must be at most 128 characters.")
	}
	if err := s.checkExpiry(req.ExpirationDateTime); err != nil {
		return err
	}
	if req.NotificationURL == "" {
		return badRequest("notificationUrl is required.")
	}
	for _, u := range []string{req.NotificationURL, req.LifecycleNotificationURL} {
		if u == "" {
			continue
		}
		if err := s.validateURL(r.Context(), u); err != nil {
			return err
		}
	}
	sub := &subscription{Subscription: req, user: mb.email}
	sub.ID = newRequestID()
	s.mu.Lock()
	s.subs[sub.ID] = sub
	body := s.wireSub(sub)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
	return nil
}

func (s *Server) checkExpiry(t time.Time) error {
	now := s.opts.Now()
	switch {
	case t.IsZero():
		return badRequest("expirationDateTime is required.")
	case !t.After(now):
		return badRequest("Subscription expiration must be in the future.")
	case t.Sub(now) > MaxSubscriptionLifetime:
		return badRequest(fmt.Sprintf("Subscription expiration can only be %d minutes in the future.", int(MaxSubscriptionLifetime/time.Minute)))
	}
	return nil
}

// validateURL performs Graph's validation handshake: POST
// url?validationToken=T, expecting 200 with the token as text/plain
// within 10 s.
func (s *Server) validateURL(ctx context.Context, u string) error {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || (p.Scheme != "https" && !(p.Scheme == "http" && s.opts.AllowHTTPNotificationURLs)) {
		return badRequest("Subscription validation request failed. Notification endpoint must be an https URL: " + u)
	}
	token := "Validation: Testing client application reachability for subscription Request-Id: " + newRequestID()
	q := p.Query()
	q.Set("validationToken", token)
	p.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.String(), http.NoBody)
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := s.hc.Do(req)
	if err != nil {
		return badRequest("Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. " + err.Error())
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || string(body) != token || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		return badRequest(fmt.Sprintf("Subscription validation request failed. Response must exactly match validationToken query parameter (got %d %q).", resp.StatusCode, body))
	}
	return nil
}

func (s *Server) ownSub(mb *Mailbox, id string) (*subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[id]
	if sub == nil || sub.user != mb.email {
		return nil, graphError{status: http.StatusNotFound, code: "ResourceNotFound", message: "The object was not found."}
	}
	return sub, nil
}

// getSubscription serves GET /subscriptions/{id}.
func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	sub, err := s.ownSub(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	body := s.wireSub(sub)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
	return nil
}

// updateSubscription serves PATCH /subscriptions/{id}
// {expirationDateTime}: a renewal.
func (s *Server) updateSubscription(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	sub, err := s.ownSub(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		ExpirationDateTime time.Time `json:"expirationDateTime"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(&req); err != nil {
		return badRequest("Unable to read JSON request payload: " + err.Error())
	}
	if err := s.checkExpiry(req.ExpirationDateTime); err != nil {
		return err
	}
	s.mu.Lock()
	sub.ExpirationDateTime = req.ExpirationDateTime
	body := s.wireSub(sub)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
	return nil
}

// deleteSubscription serves DELETE /subscriptions/{id}: 204.
func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	if _, err := s.ownSub(mb, r.PathValue("id")); err != nil {
		return err
	}
	s.RemoveSubscription(r.PathValue("id"))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reauthorizeSubscription serves POST /subscriptions/{id}/reauthorize:
// 204.
func (s *Server) reauthorizeSubscription(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	sub, err := s.ownSub(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	sub.Reauthorized++
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
