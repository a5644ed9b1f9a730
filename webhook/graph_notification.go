package webhook

import "time"

// GraphLifecycleEvent is the lifecycleEvent of a Microsoft Graph lifecycle
// notification.
type GraphLifecycleEvent string

// Lifecycle events of Microsoft Graph subscriptions.
const (
	// GraphReauthorizationRequired: the subscription's access is about to
	// expire; reauthorize it (POST /subscriptions/{id}/reauthorize, or
	// renew it with PATCH) or it stops.
	GraphReauthorizationRequired GraphLifecycleEvent = "reauthorizationRequired"
	// GraphSubscriptionRemoved: Graph removed the subscription; create it
	// again and run a delta sync for what was missed.
	GraphSubscriptionRemoved GraphLifecycleEvent = "subscriptionRemoved"
	// GraphMissed: Graph dropped notifications; run a full delta resync.
	GraphMissed GraphLifecycleEvent = "missed"
)

// GraphNotification is one verified notification of a Microsoft Graph
// notification collection: a change notification (ChangeType set) or a
// lifecycle notification (LifecycleEvent set). Its clientState, once
// checked, is not kept.
type GraphNotification struct {
	// SubscriptionID is the subscription the notification is for.
	SubscriptionID string
	// SubscriptionExpiration is when the subscription expires; zero if
	// the notification does not say or says it in an unknown format.
	SubscriptionExpiration time.Time
	// ChangeType is "created", "updated" or "deleted" for a change
	// notification, empty for a lifecycle notification.
	ChangeType string
	// Resource is the resource that changed, relative to the Graph URL
	// (for example "Users/{id}/Messages/{id}").
	Resource string
	// ResourceData identifies the changed item, when Graph sends it.
	ResourceData *GraphResourceData
	// TenantID is the Microsoft Entra tenant of the resource.
	TenantID string
	// LifecycleEvent is set for a lifecycle notification.
	LifecycleEvent GraphLifecycleEvent
	// Data is what the verifier's lookup returned with the subscription
	// (GraphSubscription.Data); nil with GraphOptions.ClientState.
	Data any
}

// IsLifecycle reports whether n is a lifecycle notification.
func (n GraphNotification) IsLifecycle() bool { return n.LifecycleEvent != "" }

// GraphResourceData identifies the item a change notification is about.
type GraphResourceData struct {
	// ODataType is the item's type, for example "#Microsoft.Graph.Message".
	ODataType string `json:"@odata.type"`
	// ODataID is the item's path, like Resource.
	ODataID string `json:"@odata.id"`
	// ODataEtag is the item's version, when sent.
	ODataEtag string `json:"@odata.etag"`
	// ID is the item's id (a message id).
	ID string `json:"id"`
}

// GraphBatch is a verified notification collection: the notifications of
// the subscriptions the verifier knows, each with the right clientState.
type GraphBatch struct {
	// Notifications are the verified notifications, in the order sent.
	Notifications []GraphNotification
	// Unknown counts the notifications dropped because the verifier does
	// not know their subscription (one deleted while Graph still had
	// notifications for it in flight).
	Unknown int
	// UnknownSubscriptions counts the distinct subscriptions of those.
	UnknownSubscriptions int
}

// graphCollection is the wire form of a notification collection.
type graphCollection struct {
	Value []graphWireNotification `json:"value"`
}

type graphWireNotification struct {
	SubscriptionID                 string             `json:"subscriptionId"`
	SubscriptionExpirationDateTime string             `json:"subscriptionExpirationDateTime"`
	ClientState                    *string            `json:"clientState"`
	ChangeType                     string             `json:"changeType"`
	Resource                       string             `json:"resource"`
	ResourceData                   *GraphResourceData `json:"resourceData"`
	TenantID                       string             `json:"tenantId"`
	LifecycleEvent                 string             `json:"lifecycleEvent"`
}

func (w *graphWireNotification) notification() GraphNotification {
	exp, _ := time.Parse(time.RFC3339Nano, w.SubscriptionExpirationDateTime) // zero if unparsable
	return GraphNotification{
		SubscriptionID:         w.SubscriptionID,
		SubscriptionExpiration: exp,
		ChangeType:             w.ChangeType,
		Resource:               w.Resource,
		ResourceData:           w.ResourceData,
		TenantID:               w.TenantID,
		LifecycleEvent:         GraphLifecycleEvent(w.LifecycleEvent),
	}
}
