package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// automatedTests: a message's classification (connector.Automated) is
// stored and read back whole; a message without one reads back without.
var automatedTests = map[string]func(*testing.T, *Harness){
	"AutomatedRoundTrip": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		bounce := message(1)
		bounce.Automated = connector.Automated{
			Kind:    connector.AutomatedBounce,
			Reasons: []string{"Content-Type: multipart/report; report-type=delivery-status", "Return-Path: <> from MAILER-DAEMON@mx.example.com"},
			Bounce: &connector.Bounce{Action: connector.BounceFailed, ReportingMTA: "mx.example.com", Recipients: []connector.BounceRecipient{
				{Address: "gone@example.org", Action: connector.BounceFailed, Status: "5.1.1", Diagnostic: "smtp; 550 5.1.1 user unknown"},
				{Address: "late@example.org", Action: connector.BounceDelayed, Status: "4.4.1"},
			}},
			List: &connector.MailingList{ID: "l.example.com", Unsubscribe: []string{"mailto:u@example.com"}},
		}
		person := message(2)
		person.Automated = connector.Automated{Kind: connector.AutomatedHuman}
		unclassified := message(3)
		res := commit(t, h.Store, in, "c1", []*connector.Message{bounce, person, unclassified})
		require.Len(t, res.Inserted, 3)
		require.Equal(t, bounce.Automated, res.Inserted[0].Automated, "the commit's inserted messages carry it (for their events)")
		for i, want := range []*connector.Message{bounce, person, unclassified} {
			got, err := h.Store.GetMessage(ctx, tenantA, in.ID, res.Inserted[i].ID)
			require.NoError(t, err)
			require.Equal(t, want.Automated, got.Automated)
			requireSameMessage(t, want, got)
		}
	},
}
