package server

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// dashboardMaxRows bounds the integrations and dead jobs a page lists.
const dashboardMaxRows = 200

// dashboardView is what the dashboard page shows.
type dashboardView struct {
	Now time.Time
	// CSRF is the session's token for the page's forms; empty for a
	// bearer token's page.
	CSRF         string
	Total        int
	Counts       []store.IntegrationCount
	Integrations []dashboardIntegration
	Queues       []dashboardQueue
	Dead         []*queue.JobInfo
	// Failed are the latest dead event deliveries of every tenant.
	Failed []*store.Event
	Tenant string
	Events []*store.Event
}

// dashboardIntegration is one row of the integrations table.
type dashboardIntegration struct {
	ID, Tenant, Name, Provider, Status, LastError string
	LastSync, Lag, WatchExpiry                    string
}

// dashboardQueue is one row of the queues table.
type dashboardQueue struct {
	Name                                            string
	Paused                                          bool
	Pending, Active, Retry, Dead, Processed, Failed int64
	OldestPending                                   string
	// ProcessedHour is the jobs every process finished in the hour.
	ProcessedHour                                        int64
	DepthChart, ProcessedChart, WaitChart, DurationChart template.HTML
}

// data reads what the page shows: integrations of every tenant (the
// first dashboardMaxRows), the queues with their charts and dead jobs,
// the latest dead events, and tenant's events when one is named.
func (d *dashboard) data(ctx context.Context, tenant string) (*dashboardView, error) {
	now := d.now().UTC()
	v := &dashboardView{Now: now, Tenant: tenant}
	counts, err := d.store.CountIntegrations(ctx)
	if err != nil {
		return nil, err
	}
	v.Counts = counts
	for _, c := range counts {
		v.Total += int(c.Count)
	}
	first, err := d.store.ScanIntegrations(ctx, store.ListIntegrationsOptions{ListOptions: store.ListOptions{Limit: dashboardMaxRows}})
	if err != nil {
		return nil, err
	}
	for _, in := range first.Items {
		row := dashboardIntegration{ID: in.ID, Tenant: in.TenantID, Name: in.Name, Provider: in.Provider, Status: string(in.Status), LastError: in.LastError,
			LastSync: "never", Lag: "—", WatchExpiry: "—"}
		if !in.LastSyncAt.IsZero() {
			row.LastSync = in.LastSyncAt.UTC().Format("2006-01-02 15:04:05")
			row.Lag = now.Sub(in.LastSyncAt).Round(time.Second).String()
		}
		if sub, err := d.store.GetSubscription(ctx, in.TenantID, in.ID); err == nil {
			row.WatchExpiry = sub.Expiry.UTC().Format("2006-01-02 15:04:05")
		}
		v.Integrations = append(v.Integrations, row)
	}
	stats, err := d.broker.Stats(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range stats {
		h := d.history.series(s.Queue, now)
		q := dashboardQueue{Name: s.Queue, Paused: s.Paused, Pending: s.Pending, Active: s.Active, Retry: s.Retry, Dead: s.Dead,
			Processed: s.Processed, Failed: s.Failed, OldestPending: s.OldestPending.Round(time.Second).String()}
		for _, n := range h.Processed {
			q.ProcessedHour += int64(n)
		}
		q.DepthChart, q.ProcessedChart = sparkline(h.Depth, "jobs pending"), sparkline(h.Processed, "jobs processed a minute")
		q.WaitChart, q.DurationChart = sparkline(h.WaitSec, "oldest pending job's wait, s"), sparkline(h.MeanMS, "mean job duration in this process, ms")
		v.Queues = append(v.Queues, q)
		if s.Dead > 0 && len(v.Dead) < dashboardMaxRows {
			dead, err := d.broker.Dead(ctx, s.Queue, dashboardMaxRows-len(v.Dead))
			if err != nil {
				return nil, err
			}
			v.Dead = append(v.Dead, dead...)
		}
	}
	if v.Failed, err = d.store.RecentEvents(ctx, store.EventDead, 50); err != nil {
		return nil, err
	}
	if tenant != "" {
		page, err := d.store.ListEvents(ctx, tenant, store.ListEventsOptions{ListOptions: store.ListOptions{Limit: 50}})
		if err != nil {
			return nil, err
		}
		v.Events = page.Items
	}
	return v, nil
}

// sparkline draws values as a small inline SVG line chart (numbers
// only: safe as HTML).
func sparkline(values []float64, label string) template.HTML {
	const w, h = 180.0, 28.0
	peak := 0.0
	for _, x := range values {
		peak = max(peak, x)
	}
	var pts strings.Builder
	for i, x := range values {
		y := h - 1
		if peak > 0 {
			y = h - 1 - (x/peak)*(h-2)
		}
		fmt.Fprintf(&pts, "%.1f,%.1f ", float64(i)*w/float64(max(len(values)-1, 1)), y)
	}
	return template.HTML(fmt.Sprintf( //nolint:gosec // numbers and a fixed label only
		`<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s, peak %.0f"><polyline fill="none" stroke="#2f6fb3" stroke-width="1.5" points="%s"/></svg>`,
		w, h, w, h, template.HTMLEscapeString(label), peak, strings.TrimSpace(pts.String())))
}
