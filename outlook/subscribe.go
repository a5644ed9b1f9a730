package outlook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/ucsp/integration/connector"
)

// ChangeTypes are the changes a subscription asks notifications for.
const ChangeTypes = "created,updated,deleted"

// MaxClientState is the longest clientState Graph accepts.
const MaxClientState = 128

// NewClientState returns a random clientState (256 bits, URL-safe): one
// per subscription, stored sealed, compared by the webhook receiver.
func NewClientState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Resource returns the subscription resource of the connector's
// folders: me/mailFolders('<folder>')/messages for one folder,
// me/messages (every folder) for several.
func (c *Connector) Resource() string {
	if len(c.cfg.Folders) == 1 {
		return "me/mailFolders('" + c.cfg.Folders[0] + "')/messages"
	}
	return "me/messages"
}

// Watch creates a Graph subscription to the connector's folders (POST
// /subscriptions: changeType created,updated,deleted, req's
// NotificationURL, LifecycleURL and ClientState, an expiry
// Config.SubscriptionLifetime away) or, with req.Current, renews it
// (PATCH /subscriptions/{id} with a new expiry). Graph validates the
// URLs by calling them with a validationToken before it answers, so the
// receiver must be up. The returned Subscription's Expiry is the one
// Graph returned; renew before it. A renewal of a subscription Graph no
// longer has is an ErrNotFound error: create a new one.
func (c *Connector) Watch(ctx context.Context, req connector.WatchRequest) (*connector.Subscription, error) {
	exp := c.cfg.Now().Add(c.cfg.SubscriptionLifetime).UTC()
	if req.Current != nil && req.Current.ID != "" {
		body := models.NewSubscription()
		body.SetExpirationDateTime(&exp)
		s, err := c.subs().BySubscriptionId(req.Current.ID).Patch(ctx, body, nil)
		if err != nil {
			return nil, classify("outlook: renew subscription", err)
		}
		return subscriptionOf(s, req.Current.Resource), nil
	}
	var v connector.ValidationError
	if req.NotificationURL == "" {
		v.Fields = append(v.Fields, connector.FieldError{Field: "notification_url", Message: "is required"})
	}
	if req.ClientState == "" || len(req.ClientState) > MaxClientState {
		v.Fields = append(v.Fields, connector.FieldError{Field: "client_state", Message: fmt.Sprintf("must be 1 to %d characters (see NewClientState)", MaxClientState)})
	}
	if len(v.Fields) > 0 {
		return nil, &v
	}
	body := models.NewSubscription()
	resource, changeType := c.Resource(), ChangeTypes
	body.SetResource(&resource)
	body.SetChangeType(&changeType)
	body.SetNotificationUrl(&req.NotificationURL)
	if req.LifecycleURL != "" {
		body.SetLifecycleNotificationUrl(&req.LifecycleURL)
	}
	body.SetClientState(&req.ClientState)
	body.SetExpirationDateTime(&exp)
	s, err := c.subs().Post(ctx, body, nil)
	if err != nil {
		return nil, classify("outlook: create subscription", err)
	}
	return subscriptionOf(s, resource), nil
}

func subscriptionOf(s models.Subscriptionable, resource string) *connector.Subscription {
	out := &connector.Subscription{ID: deref(s.GetId()), Resource: deref(s.GetResource())}
	if out.Resource == "" {
		out.Resource = resource
	}
	if t := s.GetExpirationDateTime(); t != nil {
		out.Expiry = t.UTC()
	}
	return out
}

// Unwatch deletes the subscription (DELETE /subscriptions/{id}). One
// Graph no longer has is not an error.
func (c *Connector) Unwatch(ctx context.Context, sub *connector.Subscription) error {
	if sub == nil || sub.ID == "" {
		return nil
	}
	err := classify("outlook: delete subscription", c.subs().BySubscriptionId(sub.ID).Delete(ctx, nil))
	if errors.Is(err, connector.ErrNotFound) {
		return nil
	}
	return err
}

// Reauthorize answers a reauthorizationRequired lifecycle event (POST
// /subscriptions/{id}/reauthorize) with the connector's current token.
// An ErrNotFound error means the subscription is gone: create a new
// one.
func (c *Connector) Reauthorize(ctx context.Context, subscriptionID string) error {
	if subscriptionID == "" || strings.ContainsAny(subscriptionID, "/?#") {
		return connector.PermanentError("outlook: reauthorize subscription", fmt.Errorf("bad subscription id %q", subscriptionID))
	}
	return classify("outlook: reauthorize subscription", c.subs().BySubscriptionId(subscriptionID).Reauthorize().Post(ctx, nil))
}
