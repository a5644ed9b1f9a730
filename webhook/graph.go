package webhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
)

// GraphClientStateFunc returns the clientState a Microsoft Graph
// subscription was created with, and found false for a subscription the
// caller does not know. An error is the lookup's own failure (a database
// down): the request then gets 500 and Graph retries it.
type GraphClientStateFunc func(ctx context.Context, subscriptionID string) (clientState string, found bool, err error)

// GraphSubscription is what a GraphLookupFunc knows of a subscription.
type GraphSubscription struct {
	// ClientState is the clientState the subscription was created with.
	ClientState string
	// Data is anything the caller wants to keep of the subscription (its
	// tenant and integration, say): the verified notifications of the
	// subscription carry it (GraphNotification.Data), so that the
	// handler need not look the subscription up again.
	Data any
}

// GraphLookupFunc looks up several Microsoft Graph subscriptions at once
// (one query), given their distinct ids: the result holds those it
// knows, by id. An error is the lookup's own failure (a database down):
// the request then gets 500 and Graph retries it.
type GraphLookupFunc func(ctx context.Context, subscriptionIDs []string) (map[string]GraphSubscription, error)

// DefaultMaxGraphNotifications is the number of notifications a
// collection may hold when GraphOptions.MaxNotifications is zero. Graph
// batches a few notifications a request; a collection of more is refused
// before any subscription is looked up.
const DefaultMaxGraphNotifications = 100

// GraphOptions configures a GraphVerifier.
type GraphOptions struct {
	// Lookup looks up the subscriptions a collection names, once per
	// collection. Lookup or ClientState is required; Lookup wins.
	Lookup GraphLookupFunc
	// ClientState looks up the clientState of one subscription: called
	// once per distinct subscription of a collection when Lookup is nil.
	ClientState GraphClientStateFunc
	// MaxNotifications bounds the notifications of one collection
	// (default DefaultMaxGraphNotifications): a larger one fails with
	// ErrTooManyNotifications before any lookup.
	MaxNotifications int
	// MaxBodyBytes limits the body Middleware reads (default
	// DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// OnUnknown, when set, is called by Middleware for a collection that
	// named subscriptions the lookup does not know, with how many
	// (distinct) it named, before it answers: to count them against the
	// sender's rate limit, say, since a stream of made-up ids costs
	// lookups. When it returns false it has answered the request (429,
	// say) and Middleware writes nothing more.
	OnUnknown func(w http.ResponseWriter, r *http.Request, unknown int) bool
	// Logger receives a line per rejected request and per notification
	// dropped for an unknown subscription (default slog.Default()).
	Logger *slog.Logger
}

// GraphVerifier verifies Microsoft Graph change and lifecycle
// notifications: every notification must carry the clientState of its
// subscription, compared in constant time. It answers Graph's validation
// requests too (see Middleware). It is safe for concurrent use.
//
// Graph signs nothing: the clientState, a secret given to Graph when the
// subscription was created, is what proves a notification came from it.
// Use a random clientState per subscription (up to 128 characters) and
// keep it with the subscription.
type GraphVerifier struct {
	lookup    GraphLookupFunc
	maxNotes  int
	maxBody   int64
	onUnknown func(w http.ResponseWriter, r *http.Request, unknown int) bool
	logger    *slog.Logger
}

// NewGraphVerifier returns a GraphVerifier, or an error naming the option
// that is invalid.
func NewGraphVerifier(opts GraphOptions) (*GraphVerifier, error) {
	if opts.Lookup == nil && opts.ClientState == nil {
		return nil, errors.New("webhook: GraphOptions.Lookup and GraphOptions.ClientState are nil; one is required")
	}
	switch {
	case opts.MaxNotifications < 0:
		return nil, fmt.Errorf("webhook: GraphOptions.MaxNotifications %d is negative", opts.MaxNotifications)
	case opts.MaxNotifications == 0:
		opts.MaxNotifications = DefaultMaxGraphNotifications
	}
	switch {
	case opts.MaxBodyBytes < 0:
		return nil, fmt.Errorf("webhook: GraphOptions.MaxBodyBytes %d is negative", opts.MaxBodyBytes)
	case opts.MaxBodyBytes == 0:
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	lookup := opts.Lookup
	if lookup == nil {
		lookup = lookupEach(opts.ClientState)
	}
	return &GraphVerifier{lookup: lookup, maxNotes: opts.MaxNotifications, maxBody: opts.MaxBodyBytes, onUnknown: opts.OnUnknown, logger: opts.Logger}, nil
}

// lookupEach makes a GraphLookupFunc of a GraphClientStateFunc: one call
// per id.
func lookupEach(clientState GraphClientStateFunc) GraphLookupFunc {
	return func(ctx context.Context, ids []string) (map[string]GraphSubscription, error) {
		found := make(map[string]GraphSubscription, len(ids))
		for _, id := range ids {
			cs, ok, err := clientState(ctx, id)
			if err != nil {
				return nil, err
			}
			if ok {
				found[id] = GraphSubscription{ClientState: cs}
			}
		}
		return found, nil
	}
}

// Verify parses a notification collection ({"value":[...]}) and checks
// the clientState of every notification against its subscription's.
//
// A collection of more than MaxNotifications fails with
// ErrTooManyNotifications before any lookup. The distinct subscriptions
// it names are then looked up together, once. One notification whose
// clientState is wrong (or absent, or whose subscription has none) fails
// the whole request with ErrInvalidClientState: Graph sends every
// notification of ours with the right one, so the request did not come
// from Graph. Notifications of subscriptions the lookup does not know
// are dropped and counted in GraphBatch.Unknown (and their distinct
// subscriptions in GraphBatch.UnknownSubscriptions). A body that is not
// a notification collection fails with ErrMalformedBody.
func (g *GraphVerifier) Verify(ctx context.Context, body []byte) (GraphBatch, error) {
	var c graphCollection
	if err := json.Unmarshal(body, &c); err != nil {
		return GraphBatch{}, fmt.Errorf("%w: not a Graph notification collection", ErrMalformedBody)
	}
	switch {
	case len(c.Value) == 0:
		return GraphBatch{}, fmt.Errorf("%w: no notifications", ErrMalformedBody)
	case len(c.Value) > g.maxNotes:
		return GraphBatch{}, fmt.Errorf("%w: %d notifications, at most %d", ErrTooManyNotifications, len(c.Value), g.maxNotes)
	}
	ids := make([]string, 0, 1)
	for i := range c.Value {
		id := c.Value[i].SubscriptionID
		if id == "" {
			return GraphBatch{}, fmt.Errorf("%w: notification %d has no subscriptionId", ErrMalformedBody, i)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	subs, err := g.lookup(ctx, ids)
	if err != nil {
		return GraphBatch{}, fmt.Errorf("webhook: looking up Graph subscriptions: %w", err)
	}
	batch := GraphBatch{Notifications: make([]GraphNotification, 0, len(c.Value))}
	for _, id := range ids {
		if _, ok := subs[id]; !ok {
			batch.UnknownSubscriptions++
		}
	}
	for i := range c.Value {
		n := &c.Value[i]
		sub, found := subs[n.SubscriptionID]
		if !found {
			batch.Unknown++
			continue
		}
		if sub.ClientState == "" || n.ClientState == nil ||
			subtle.ConstantTimeCompare([]byte(*n.ClientState), []byte(sub.ClientState)) != 1 {
			return GraphBatch{}, fmt.Errorf("%w: notification %d", ErrInvalidClientState, i)
		}
		note := n.notification()
		note.Data = sub.Data
		batch.Notifications = append(batch.Notifications, note)
	}
	return batch, nil
}
