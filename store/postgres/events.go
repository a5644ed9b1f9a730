package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ucsp/integration/store"
)

const eventColumns = `seq, id, tenant_id, integration_id, type, payload, status, attempts,
	next_attempt_at, last_error, created_at, delivered_at`

// execer runs a statement on a pool or in a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// InsertEvents stores events in one statement; an id already stored is
// skipped.
func (s *Store) InsertEvents(ctx context.Context, events ...*store.Event) error {
	if err := insertEvents(ctx, s.pool, now(), events, "", ""); err != nil {
		return unavailable(fmt.Errorf("postgres: insert events: %w", err))
	}
	return nil
}

// insertEventsSQL stores events in the order given (seq follows it), and
// skips an id already stored.
const insertEventsSQL = `
	INSERT INTO events (id, tenant_id, integration_id, type, payload, status, attempts,
		next_attempt_at, last_error, created_at, delivered_at)
	SELECT u.id, u.tenant_id, u.integration_id, u.type, u.payload::json, u.status, u.attempts,
		u.next_attempt_at, u.last_error, u.created_at, u.delivered_at
	FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[],
		$8::timestamptz[], $9::text[], $10::timestamptz[], $11::timestamptz[])
		WITH ORDINALITY AS u(id, tenant_id, integration_id, type, payload, status, attempts,
			next_attempt_at, last_error, created_at, delivered_at, n)
	ORDER BY u.n
	ON CONFLICT (id) DO NOTHING`

// insertEvents checks events, fills their defaults (t for the times;
// tenantID and integrationID, the scope of the change they are stored
// with, for an event that names none) and stores them in one statement.
// An event may not name a tenant other than tenantID, when given. The
// caller's events are filled in only once they are stored.
func insertEvents(ctx context.Context, db execer, t time.Time, events []*store.Event, tenantID, integrationID string) error {
	if len(events) == 0 {
		return nil
	}
	filled := make([]store.Event, len(events))
	for i, e := range events {
		if e == nil {
			return store.Invalid(fmt.Sprintf("events[%d]", i), "is nil")
		}
		f := *e
		if f.TenantID == "" {
			f.TenantID = tenantID
		}
		if f.IntegrationID == "" {
			f.IntegrationID = integrationID
		}
		if f.ID == "" {
			f.ID = store.NewID()
		}
		if f.Status == "" {
			f.Status = store.EventPending
		}
		if f.NextAttemptAt.IsZero() {
			f.NextAttemptAt = t
		}
		if f.CreatedAt.IsZero() {
			f.CreatedAt = t
		}
		if err := checkEvent(fmt.Sprintf("events[%d]", i), &f, tenantID); err != nil {
			return err
		}
		filled[i] = f
	}
	r := newEventRows(filled)
	_, err := db.Exec(ctx, insertEventsSQL, r.ids, r.tenants, r.integrations, r.types, r.payloads,
		r.statuses, r.attempts, r.nextAttemptAt, r.lastErrors, r.createdAt, r.deliveredAt)
	if pgCode(err) == codeForeignKeyViolation {
		// A (tenant_id, integration_id) pair names no integration.
		return fmt.Errorf("integration: %w", store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	for i, e := range events {
		*e = filled[i]
	}
	return nil
}

// eventRows are the columns of insertEventsSQL's unnest.
type eventRows struct {
	ids, tenants, types, statuses, lastErrors []string
	integrations, payloads                    []*string
	attempts                                  []int32
	nextAttemptAt, createdAt                  []time.Time
	deliveredAt                               []*time.Time
}

func newEventRows(events []store.Event) *eventRows {
	n := len(events)
	r := &eventRows{
		ids: make([]string, n), tenants: make([]string, n), types: make([]string, n),
		statuses: make([]string, n), lastErrors: make([]string, n),
		integrations: make([]*string, n), payloads: make([]*string, n),
		attempts:      make([]int32, n),
		nextAttemptAt: make([]time.Time, n), createdAt: make([]time.Time, n),
		deliveredAt: make([]*time.Time, n),
	}
	for i := range events {
		e := &events[i]
		r.ids[i], r.tenants[i], r.types[i] = e.ID, e.TenantID, e.Type
		r.statuses[i], r.lastErrors[i] = string(e.Status), e.LastError
		r.integrations[i] = nullString(e.IntegrationID)
		if e.Payload != nil {
			p := string(e.Payload)
			r.payloads[i] = &p
		}
		r.attempts[i] = int32(e.Attempts) // checkEvent bounds it
		r.nextAttemptAt[i], r.createdAt[i], r.deliveredAt[i] = e.NextAttemptAt, e.CreatedAt, nullTime(e.DeliveredAt)
	}
	return r
}

// checkEvent refuses an event that cannot be stored; field prefixes the
// names of its fields. A tenantID other than "" is the only tenant the
// event may have.
func checkEvent(field string, e *store.Event, tenantID string) error {
	if err := checkRequired(field+".tenant_id", e.TenantID); err != nil {
		return err
	}
	if tenantID != "" && e.TenantID != tenantID {
		return store.Invalid(field+".tenant_id", "must be the tenant of the change the event is stored with")
	}
	if !store.ValidID(e.ID) {
		return store.Invalid(field+".id", "must be a UUID, as store.NewID makes")
	}
	if e.IntegrationID != "" && !store.ValidID(e.IntegrationID) {
		return fmt.Errorf("%s.integration_id: %w", field, store.ErrNotFound)
	}
	if err := checkRequired(field+".type", e.Type); err != nil {
		return err
	}
	switch e.Status {
	case store.EventPending, store.EventDelivered, store.EventDead:
	default:
		return store.Invalid(field+".status", fmt.Sprintf("%q is not an event status", e.Status))
	}
	if e.Attempts < 0 || e.Attempts > 1<<31-1 {
		return store.Invalid(field+".attempts", "must be between 0 and 2^31-1")
	}
	if err := checkText(field+".last_error", e.LastError); err != nil {
		return err
	}
	return checkJSON(field+".payload", e.Payload, false)
}

// GetEvent returns one of the tenant's events.
func (s *Store) GetEvent(ctx context.Context, tenantID, id string) (*store.Event, error) {
	const op = "get event"
	if !store.ValidID(id) {
		return nil, notFound(op)
	}
	e, err := scanEvent(s.pool.QueryRow(ctx,
		`SELECT `+eventColumns+` FROM events WHERE id = $1 AND tenant_id = $2`, id, tenantID))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return e.Event, nil
}

// ListEvents pages through the tenant's events in the order they were
// stored.
func (s *Store) ListEvents(ctx context.Context, tenantID string, opts store.ListEventsOptions) (*store.Page[*store.Event], error) {
	const op = "list events"
	limit, err := opts.EffectiveLimit()
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	after, err := store.DecodeCursor(opts.Cursor)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var seq int64
	if after != "" {
		if seq, err = strconv.ParseInt(after, 10, 64); err != nil || seq < 0 {
			return nil, fmt.Errorf("postgres: %s: %w", op, store.ErrInvalidCursor)
		}
	}
	switch opts.Status {
	case "", store.EventPending, store.EventDelivered, store.EventDead:
	default:
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("status", fmt.Sprintf("%q is not an event status", opts.Status)))
	}
	if opts.IntegrationID != "" && !store.ValidID(opts.IntegrationID) {
		return &store.Page[*store.Event]{Items: []*store.Event{}}, nil
	}

	// Only the filters asked for, so that each variant is planned for
	// its own index.
	sql := `SELECT ` + eventColumns + ` FROM events WHERE tenant_id = $1 AND seq > $2`
	args := []any{tenantID, seq}
	if opts.Status != "" {
		args = append(args, string(opts.Status))
		sql += ` AND status = $` + strconv.Itoa(len(args))
	}
	if opts.IntegrationID != "" {
		args = append(args, opts.IntegrationID)
		sql += ` AND integration_id = $` + strconv.Itoa(len(args))
	}
	args = append(args, limit+1)
	sql += ` ORDER BY seq LIMIT $` + strconv.Itoa(len(args))

	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	found, err := collect(rows, scanEvent)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	p := newPage(found, limit, func(e seqEvent) string { return strconv.FormatInt(e.seq, 10) })
	return &store.Page[*store.Event]{Items: eventsOf(p.Items), NextCursor: p.NextCursor}, nil
}

// RecentEvents reads the latest events by seq (events_seq_idx, and
// events_dead_seq_idx for the dead ones).
func (s *Store) RecentEvents(ctx context.Context, status store.EventStatus, limit int) ([]*store.Event, error) {
	const op = "recent events"
	if limit < 1 || limit > store.MaxLimit {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("limit", fmt.Sprintf("must be 1 to %d", store.MaxLimit)))
	}
	sql, args := `SELECT `+eventColumns+` FROM events ORDER BY seq DESC LIMIT $1`, []any{limit}
	switch status {
	case "":
	case store.EventPending, store.EventDelivered, store.EventDead:
		sql, args = `SELECT `+eventColumns+` FROM events WHERE status = $2 ORDER BY seq DESC LIMIT $1`, []any{limit, string(status)}
	default:
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("status", fmt.Sprintf("%q is not an event status", status)))
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	found, err := collect(rows, scanEvent)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return eventsOf(found), nil
}

// ClaimEvents leases up to limit due events, skipping rows other
// claimers have locked, in one statement.
func (s *Store) ClaimEvents(ctx context.Context, at time.Time, limit int, lease time.Duration) ([]*store.Event, error) {
	const op = "claim events"
	switch {
	case limit < 0:
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("limit", "must not be negative"))
	case lease <= 0:
		return nil, fmt.Errorf("postgres: %s: %w", op, store.Invalid("lease", "must be positive"))
	case limit == 0:
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM events
			WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
			ORDER BY next_attempt_at, seq
			LIMIT $2
			FOR UPDATE SKIP LOCKED
		)
		UPDATE events e SET locked_until = $3 FROM due WHERE e.id = due.id
		RETURNING `+prefixed("e.", eventColumns),
		at, limit, at.Add(lease))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	found, err := collect(rows, scanEvent)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	slices.SortFunc(found, func(a, b seqEvent) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return eventsOf(found), nil
}

// MarkEventDelivered records a successful delivery attempt and ends the
// lease.
func (s *Store) MarkEventDelivered(ctx context.Context, id string, at time.Time) error {
	const op = "mark event delivered"
	if !store.ValidID(id) {
		return notFound(op)
	}
	if at.IsZero() {
		at = now()
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE events SET status = 'delivered', delivered_at = $2, attempts = attempts + 1, locked_until = NULL
		WHERE id = $1`, id, at)
	if err != nil {
		return wrapErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// MarkEventFailed records a failed delivery attempt and ends the lease:
// the event is due again at next, or dead when next is zero. An event
// delivered meanwhile (by another claimer, after this one's lease ran
// out) stays delivered.
func (s *Store) MarkEventFailed(ctx context.Context, id string, next time.Time, reason string) error {
	const op = "mark event failed"
	if !store.ValidID(id) {
		return notFound(op)
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE events SET
			status = CASE WHEN status = 'delivered' THEN status WHEN $2::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
			next_attempt_at = CASE WHEN status = 'delivered' THEN next_attempt_at ELSE coalesce($2, next_attempt_at) END,
			attempts = CASE WHEN status = 'delivered' THEN attempts ELSE attempts + 1 END,
			last_error = CASE WHEN status = 'delivered' THEN last_error ELSE $3 END,
			locked_until = NULL
		WHERE id = $1`, id, nullTime(next), cleanText(reason))
	if err != nil {
		return wrapErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}

// RedeliverEvent makes one of the tenant's events pending and due now.
func (s *Store) RedeliverEvent(ctx context.Context, tenantID, id string) (*store.Event, error) {
	const op = "redeliver event"
	if !store.ValidID(id) {
		return nil, notFound(op)
	}
	e, err := scanEvent(s.pool.QueryRow(ctx, `
		UPDATE events SET status = 'pending', next_attempt_at = $3, locked_until = NULL, delivered_at = NULL
		WHERE id = $1 AND tenant_id = $2
		RETURNING `+eventColumns, id, tenantID, now()))
	if err != nil {
		return nil, wrapErr(op, err)
	}
	return e.Event, nil
}

// seqEvent is an event with its place in the order of storage.
type seqEvent struct {
	*store.Event
	seq int64
}

// eventsOf returns the events of found, in order.
func eventsOf(found []seqEvent) []*store.Event {
	out := make([]*store.Event, len(found))
	for i, e := range found {
		out[i] = e.Event
	}
	return out
}

func scanEvent(row pgx.Row) (seqEvent, error) {
	var (
		e             store.Event
		seq           int64
		integrationID *string
		payload       []byte
		status        string
		attempts      int32
		deliveredAt   *time.Time
	)
	err := row.Scan(&seq, &e.ID, &e.TenantID, &integrationID, &e.Type, &payload, &status, &attempts,
		&e.NextAttemptAt, &e.LastError, &e.CreatedAt, &deliveredAt)
	if err != nil {
		return seqEvent{}, err
	}
	if integrationID != nil {
		e.IntegrationID = *integrationID
	}
	if payload != nil {
		e.Payload = json.RawMessage(payload)
	}
	e.Status, e.Attempts = store.EventStatus(status), int(attempts)
	e.NextAttemptAt, e.CreatedAt = e.NextAttemptAt.UTC(), e.CreatedAt.UTC()
	e.DeliveredAt = timeOf(deliveredAt)
	return seqEvent{Event: &e, seq: seq}, nil
}
