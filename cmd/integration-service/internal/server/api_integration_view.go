package server

import (
	"encoding/json"
	"time"

	"github.com/ucsp/integration/store"
)

// integrationView is an integration as the API shows it: never its
// credentials. WebhookSecret is set only in the responses that create or
// rotate a custom source's secret.
type integrationView struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Provider      string          `json:"provider"`
	Config        json.RawMessage `json:"config"`
	Status        string          `json:"status"`
	LastError     string          `json:"last_error,omitempty"`
	Health        healthView      `json:"health"`
	LastSyncAt    *time.Time      `json:"last_sync_at"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	WebhookURL    string          `json:"webhook_url,omitempty"`
	WebhookSecret string          `json:"webhook_secret,omitempty"`
}

// healthView is the outcome of an integration's latest connectivity
// test.
type healthView struct {
	Status              string     `json:"status"`
	CheckedAt           *time.Time `json:"checked_at"`
	LatencyMS           float64    `json:"latency_ms"`
	Error               string     `json:"error,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
}

// pageView is one page of a listing.
type pageView[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func (a *App) integrationView(in *store.Integration) integrationView {
	v := integrationView{
		ID:         in.ID,
		Name:       in.Name,
		Provider:   in.Provider,
		Config:     in.Config,
		Status:     string(in.Status),
		LastError:  in.LastError,
		Health:     viewHealth(in.Health),
		LastSyncAt: timePtr(in.LastSyncAt),
		CreatedAt:  in.CreatedAt,
		UpdatedAt:  in.UpdatedAt,
	}
	if len(v.Config) == 0 {
		v.Config = json.RawMessage(`{}`)
	}
	if in.Provider == providerCustom {
		v.WebhookURL = a.cfg.PublicBaseURL.String() + "/webhooks/custom/" + in.ID
	}
	return v
}

func viewHealth(h store.Health) healthView {
	return healthView{
		Status:              h.Status,
		CheckedAt:           timePtr(h.CheckedAt),
		LatencyMS:           float64(h.Latency) / float64(time.Millisecond),
		Error:               h.Error,
		ConsecutiveFailures: h.ConsecutiveFailures,
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func newPage[T, S any](p *store.Page[S], view func(S) T) pageView[T] {
	out := pageView[T]{Data: make([]T, 0, len(p.Items))}
	for _, it := range p.Items {
		out.Data = append(out.Data, view(it))
	}
	if p.NextCursor != "" {
		c := p.NextCursor
		out.NextCursor = &c
	}
	return out
}
