package ratelimit

import (
	"context"
	"maps"
	"time"
)

// Quota is a provider's quota: one limit, charged per operation in units
// that depend on the operation. Gmail, for one, counts "quota units":
// messages.get costs 5 and messages.send 100 of a user's 6,000 a minute.
// Costs are plain data: override them when the provider changes them.
type Quota struct {
	// Limit is the quota, in units.
	Limit Limit
	// Costs maps an operation to its cost in units.
	Costs map[string]int
	// DefaultCost is the cost of an operation missing from Costs (0 means
	// 1).
	DefaultCost int
}

// Cost returns what op costs.
func (q Quota) Cost(op string) int {
	if c, ok := q.Costs[op]; ok {
		return c
	}
	return max(q.DefaultCost, 1)
}

// Wait blocks until l admits op on key under the quota; see Limiter.Wait.
// Key names what the quota is counted per: a Gmail user, a Graph mailbox.
func (q Quota) Wait(ctx context.Context, l Limiter, key, op string) error {
	return l.Wait(ctx, key, q.Cost(op), q.Limit)
}

// WithCost returns a copy of q in which op costs cost units.
func (q Quota) WithCost(op string, cost int) Quota {
	q.Costs = maps.Clone(q.Costs)
	if q.Costs == nil {
		q.Costs = map[string]int{}
	}
	q.Costs[op] = cost
	return q
}

// GmailUserQuota returns Gmail's per-user quota: 6,000 units a minute for
// a project created from May 2026 (older projects keep 15,000), named
// "gmail-user", with the documented costs of the calls a mail integration
// makes. Operations are named as in the API ("messages.get"); others cost
// 5.
//
// GCRA admits up to Burst + Rate·d/Period units over any interval d, so a
// limit of 6,000 a minute with a burst of 6,000 would let 12,000 through
// in a minute that starts full. The limit is therefore 5,000 units a
// minute with a burst of 1,000: no 60-second window admits more than
// 6,000, whatever the traffic, and a sustained load gets 5/6 of the
// quota. For an older project, scale both (12,500 and 2,500).
//
// The per-project quota (1,200,000 units a minute) is a second Quota on a
// project-wide key: it cannot share a decision with per-user keys on Redis
// Cluster, since a decision's keys share one hash slot.
func GmailUserQuota() Quota {
	return Quota{
		Limit: PerMinute(5000).WithBurst(1000).Named("gmail-user"),
		Costs: map[string]int{
			"history.list":             2,
			"messages.get":             5,
			"messages.list":            5,
			"messages.modify":          5,
			"messages.batchModify":     50,
			"messages.trash":           5,
			"messages.untrash":         5,
			"labels.list":              1,
			"labels.get":               1,
			"threads.get":              10,
			"users.stop":               50,
			"messages.attachments.get": 5,
			"messages.send":            100,
			"users.watch":              100,
			"users.getProfile":         1,
		},
		DefaultCost: 5,
	}
}

// GraphMailboxQuota returns Microsoft Graph's Outlook quota per app per
// mailbox, 10,000 requests per 10 minutes, each costing 1, named
// "graph-mailbox": 9,000 per 10 minutes with a burst of 1,000, so that no
// 10-minute window admits more than 10,000 (see GmailUserQuota). Its
// other limit, 4 concurrent requests, is a Semaphore of
// GraphMailboxConcurrency slots on the same key.
func GraphMailboxQuota() Quota {
	return Quota{Limit: Limit{Name: "graph-mailbox", Rate: 9_000, Burst: 1_000, Period: 10 * time.Minute}}
}

// GraphMailboxConcurrency is how many requests Microsoft Graph lets an app
// have in flight per mailbox.
const GraphMailboxConcurrency = 4
