package webhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
)

// GraphClientStateFunc returns the clientState a Microsoft Graph
// subscription was created with, and found false for a subscription the
// caller does not know. An error is the lookup's own failure (a database
// down): the request then gets 500 and Graph retries it.
type GraphClientStateFunc func(ctx context.Context, subscriptionID string) (clientState string, found bool, err error)

// GraphOptions configures a GraphVerifier.
type GraphOptions struct {
	// ClientState looks up the clientState of a subscription. Required.
	ClientState GraphClientStateFunc
	// MaxBodyBytes limits the body Middleware reads (default
	// DefaultMaxBodyBytes).
	MaxBodyBytes int64
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
	clientState GraphClientStateFunc
	maxBody     int64
	logger      *slog.Logger
}

// NewGraphVerifier returns a GraphVerifier, or an error naming the option
// that is invalid.
func NewGraphVerifier(opts GraphOptions) (*GraphVerifier, error) {
	if opts.ClientState == nil {
		return nil, errors.New("webhook: GraphOptions.ClientState is nil")
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
	return &GraphVerifier{clientState: opts.ClientState, maxBody: opts.MaxBodyBytes, logger: opts.Logger}, nil
}

// Verify parses a notification collection ({"value":[...]}) and checks
// the clientState of every notification against its subscription's.
//
// One notification whose clientState is wrong (or absent, or whose
// subscription has none) fails the whole request with
// ErrInvalidClientState: Graph sends every notification of ours with the
// right one, so the request did not come from Graph. Notifications of
// subscriptions the lookup does not know are dropped and counted in
// GraphBatch.Unknown. A body that is not a notification collection fails
// with ErrMalformedBody.
func (g *GraphVerifier) Verify(ctx context.Context, body []byte) (GraphBatch, error) {
	var c graphCollection
	if err := json.Unmarshal(body, &c); err != nil {
		return GraphBatch{}, fmt.Errorf("%w: not a Graph notification collection", ErrMalformedBody)
	}
	if len(c.Value) == 0 {
		return GraphBatch{}, fmt.Errorf("%w: no notifications", ErrMalformedBody)
	}
	type state struct {
		clientState string
		found       bool
	}
	states := make(map[string]state, 1)
	batch := GraphBatch{Notifications: make([]GraphNotification, 0, len(c.Value))}
	for i := range c.Value {
		n := &c.Value[i]
		if n.SubscriptionID == "" {
			return GraphBatch{}, fmt.Errorf("%w: notification %d has no subscriptionId", ErrMalformedBody, i)
		}
		st, ok := states[n.SubscriptionID]
		if !ok {
			cs, found, err := g.clientState(ctx, n.SubscriptionID)
			if err != nil {
				return GraphBatch{}, fmt.Errorf("webhook: looking up a Graph subscription's clientState: %w", err)
			}
			st = state{clientState: cs, found: found}
			states[n.SubscriptionID] = st
		}
		if !st.found {
			batch.Unknown++
			continue
		}
		if st.clientState == "" || n.ClientState == nil ||
			subtle.ConstantTimeCompare([]byte(*n.ClientState), []byte(st.clientState)) != 1 {
			return GraphBatch{}, fmt.Errorf("%w: notification %d", ErrInvalidClientState, i)
		}
		batch.Notifications = append(batch.Notifications, n.notification())
	}
	return batch, nil
}
