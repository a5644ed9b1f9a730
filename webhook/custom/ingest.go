package custom

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	stdmime "mime"
	"net/http"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/automated"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook"
)

// Result is what became of an ingested delivery.
type Result struct {
	// ID is the stored message's id.
	ID string `json:"id"`
	// ProviderID is the message's provider id: "message-id:<message_id>",
	// "event:<event_id>" or "webhook:<webhook-id>".
	ProviderID string `json:"provider_id"`
	// Duplicate: the message was stored before (same provider id);
	// nothing new was stored or announced.
	Duplicate bool `json:"duplicate"`
}

// scratch is what one delivery needs on its way to the store: the
// decoded body, the message made of it, its place in the group commit
// and its result. None of it outlives the delivery (the store keeps
// copies), so it is pooled: at thousands of deliveries a second, a
// kilobyte less for the collector each.
type scratch struct {
	body body
	msg  connector.Message
	item item
	res  Result
}

// getScratch returns an empty scratch from the pool.
func (s *Sources) getScratch() *scratch {
	if sc, ok := s.scratch.Get().(*scratch); ok {
		return sc
	}
	return new(scratch)
}

// putScratch empties sc, so that it holds nothing of the delivery, and
// returns it to the pool.
func (s *Sources) putScratch(sc *scratch) {
	*sc = scratch{}
	s.scratch.Put(sc)
}

// Ingest stores raw, the verified body of delivery deliveryID (its
// webhook-id) to the custom source in, as an inbound message with its
// message.received event, committed with the source's other deliveries
// of the moment (see the package doc): a redelivery (the same
// message_id or event_id, or the same webhook-id without one) stores
// and announces nothing new. It is for deployments that verify
// deliveries themselves; Source.ServeHTTP verifies and calls it.
func (s *Sources) Ingest(ctx context.Context, in *store.Integration, deliveryID string, raw []byte) (Result, error) {
	sc := s.getScratch()
	defer s.putScratch(sc)
	err := s.ingest(ctx, in, deliveryID, raw, sc)
	return sc.res, err
}

// ingest is Ingest into sc.
func (s *Sources) ingest(ctx context.Context, in *store.Integration, deliveryID string, raw []byte, sc *scratch) error {
	if in.Status == store.StatusDisabled {
		return ErrDisabled
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return &DecodeError{Err: ErrEmptyBody}
	}
	if err := jsonv2.Unmarshal(raw, &sc.body, jsonv2.RejectUnknownMembers(true)); err != nil {
		return &DecodeError{Err: err}
	}
	msg := &sc.msg
	if errs := sc.body.message(deliveryID, msg); len(errs) > 0 {
		return &connector.ValidationError{Context: "custom: invalid message", Fields: errs}
	}
	// Cleaned as the MIME parser cleans mail: no line break or control
	// character in names, subject or ids, no directory in file names.
	mime.Sanitize(msg)
	// Classified as mail is, from what the body has: no header fields,
	// so a person unless its text is a mail server's bounce.
	msg.Automated = automated.ClassifyMessage(msg)
	stored, err := s.commit(ctx, in, &sc.item, deliveryID, msg)
	switch {
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w: %w", ErrBusy, err)
	case err != nil:
		return err
	}
	sc.res = Result{ProviderID: msg.ProviderID, Duplicate: stored == nil}
	if stored != nil {
		sc.res.ID = stored.ID
	} else if m, err := s.store.GetMessageByProviderID(ctx, in.TenantID, in.ID, msg.ProviderID); err == nil {
		sc.res.ID = m.ID
	}
	return nil
}

// serve handles a verified delivery to src: the body must be JSON; it
// is ingested and the answer written by Options.Respond.
func (src *Source) serve(w http.ResponseWriter, r *http.Request, d webhook.Delivery, raw []byte) {
	s := src.sources
	if !isJSON(r.Header.Get("Content-Type")) {
		s.respond(w, r, nil, ErrNotJSON)
		return
	}
	sc := s.getScratch()
	defer s.putScratch(sc)
	if err := s.ingest(r.Context(), src.in, d.ID, raw, sc); err != nil {
		s.respond(w, r, nil, err)
		return
	}
	s.respond(w, r, &sc.res, nil)
}

// isJSON reports whether ct is application/json or a +json type.
func isJSON(ct string) bool {
	mt, _, err := stdmime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
