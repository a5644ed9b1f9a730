package server

import (
	"encoding/json"
	"net/url"
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
	Backfill      *backfillView   `json:"backfill,omitempty"`
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

// viewIntegration shows in as the API does; publicBase is
// PUBLIC_BASE_URL, where a custom source's webhook URL starts.
func viewIntegration(in *store.Integration, publicBase *url.URL) integrationView {
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
	if in.Provider != providerCustom {
		v.Backfill = viewBackfill(in.Backfill)
	}
	if in.Provider == providerCustom {
		v.WebhookURL = publicBase.String() + "/webhooks/custom/" + in.ID
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
