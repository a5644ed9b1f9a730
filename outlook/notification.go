package outlook

import (
	"encoding/json"
	"fmt"
	"io"
)

// Notification is one item of a Graph change or lifecycle notification
// body ({"value":[...]}). The webhook receiver checks ClientState
// against the subscription's before acting on it.
type Notification struct {
	SubscriptionID string `json:"subscriptionId"`
	ClientState    string `json:"clientState"`
	// ChangeType is "created", "updated" or "deleted" (change
	// notifications).
	ChangeType string `json:"changeType,omitempty"`
	// LifecycleEvent is "reauthorizationRequired", "subscriptionRemoved"
	// or "missed" (lifecycle notifications).
	LifecycleEvent string `json:"lifecycleEvent,omitempty"`
	Resource       string `json:"resource,omitempty"`
	TenantID       string `json:"tenantId,omitempty"`
	ResourceData   struct {
		ID string `json:"id,omitempty"`
	} `json:"resourceData"`
}

// The lifecycle events Graph sends.
const (
	EventReauthorizationRequired = "reauthorizationRequired"
	EventSubscriptionRemoved     = "subscriptionRemoved"
	EventMissed                  = "missed"
)

// Action is what a notification asks the server to do.
type Action uint8

// The actions of a notification.
const (
	// ActionNone: nothing (an unknown event).
	ActionNone Action = iota
	// ActionSync: run a delta sync (coalesced with others pending).
	ActionSync
	// ActionResync: notifications were missed; run a delta sync. The
	// delta link still holds every change, so this is a normal sync;
	// Graph answering 410 to it starts the folder over by itself.
	ActionResync
	// ActionReauthorize: call Connector.Reauthorize (or renew with
	// Watch) before the subscription is removed.
	ActionReauthorize
	// ActionRecreate: the subscription is gone: create a new one with
	// Watch, then run a delta sync for what happened meanwhile.
	ActionRecreate
)

// String returns the action's name, e.g. "sync".
func (a Action) String() string {
	return [...]string{"none", "sync", "resync", "reauthorize", "recreate"}[min(int(a), 4)]
}

// ActionOf maps a notification to what the server does about it: every
// change notification needs a sync; lifecycle events as Action says.
func ActionOf(n Notification) Action {
	switch n.LifecycleEvent {
	case "":
		if n.ChangeType == "" {
			return ActionNone
		}
		return ActionSync
	case EventReauthorizationRequired:
		return ActionReauthorize
	case EventSubscriptionRemoved:
		return ActionRecreate
	case EventMissed:
		return ActionResync
	default:
		return ActionNone
	}
}

// ParseNotifications reads a notification body (at most 1 MiB). Graph
// batches several notifications, of several subscriptions, in one body.
func ParseNotifications(r io.Reader) ([]Notification, error) {
	var body struct {
		Value []Notification `json:"value"`
	}
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("outlook: reading a notification body: %w", err)
	}
	return body.Value, nil
}
