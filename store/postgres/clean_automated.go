package postgres

import (
	"github.com/ucsp/integration/connector"
)

// cleanAutomated returns a copy of a whose strings PostgreSQL can hold
// (jsonb refuses NUL), empty lists nil as they read back.
func cleanAutomated(a connector.Automated) connector.Automated {
	c := a.Clone()
	c.Kind = connector.AutomatedKind(cleanText(string(c.Kind)))
	c.Reasons = nilIfEmpty(cleanTexts(c.Reasons))
	if b := c.Bounce; b != nil {
		b.Action, b.ReportingMTA = cleanText(b.Action), cleanText(b.ReportingMTA)
		for i := range b.Recipients {
			r := &b.Recipients[i]
			r.Address, r.Action, r.Status, r.Diagnostic = cleanText(r.Address), cleanText(r.Action), cleanText(r.Status), cleanText(r.Diagnostic)
		}
		b.Recipients = nilIfEmpty(b.Recipients)
	}
	if l := c.List; l != nil {
		l.ID = cleanText(l.ID)
		l.Unsubscribe = nilIfEmpty(cleanTexts(l.Unsubscribe))
	}
	return c
}
