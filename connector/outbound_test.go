package connector_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func validOutbound() *connector.OutboundMessage {
	return &connector.OutboundMessage{
		MessageID:  "abc.123@ucsp.example",
		From:       connector.Address{Name: "Support", Email: "support@example.com"},
		To:         []connector.Address{{Email: "zoe@example.org"}},
		Subject:    "Re: order",
		Text:       "Hi",
		InReplyTo:  "orig@example.org",
		References: []string{"root@example.org", "orig@example.org"},
		Headers:    connector.Header{"X-Ticket": {"42"}},
	}
}

func TestOutboundValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, validOutbound().Validate())

	cases := map[string]struct {
		change func(*connector.OutboundMessage)
		field  string
	}{
		"no message id":        {func(m *connector.OutboundMessage) { m.MessageID = "" }, "message_id"},
		"bracketed message id": {func(m *connector.OutboundMessage) { m.MessageID = "<a@b>" }, "message_id"},
		"message id no domain": {func(m *connector.OutboundMessage) { m.MessageID = "abc@" }, "message_id"},
		"no from":              {func(m *connector.OutboundMessage) { m.From = connector.Address{} }, "from"},
		"bad from":             {func(m *connector.OutboundMessage) { m.From.Email = "not an address" }, "from"},
		"no recipients":        {func(m *connector.OutboundMessage) { m.To = nil }, "to"},
		"bad cc":               {func(m *connector.OutboundMessage) { m.Cc = []connector.Address{{Email: "x@y.z"}, {Email: "@@"}} }, "cc[1]"},
		"header injection in name": {func(m *connector.OutboundMessage) {
			m.To = []connector.Address{{Name: "x\r\nBcc: victim@example.com", Email: "a@b.c"}}
		}, "to[0]"},
		"subject injection":    {func(m *connector.OutboundMessage) { m.Subject = "hi\r\nBcc: victim@example.com" }, "subject"},
		"bad in-reply-to":      {func(m *connector.OutboundMessage) { m.InReplyTo = "no at sign" }, "in_reply_to"},
		"bad reference":        {func(m *connector.OutboundMessage) { m.References = []string{"ok@x", "bad id@x"} }, "references[1]"},
		"reserved header":      {func(m *connector.OutboundMessage) { m.Headers = connector.Header{"bcc": {"victim@example.com"}} }, "headers.bcc"},
		"header value newline": {func(m *connector.OutboundMessage) { m.Headers = connector.Header{"X-A": {"1\nBcc: v@e.com"}} }, "headers.X-A"},
		"bad header name":      {func(m *connector.OutboundMessage) { m.Headers = connector.Header{"X A:": {"1"}} }, "headers.X A:"},
		"received header":      {func(m *connector.OutboundMessage) { m.Headers = connector.Header{"received": {"from x by y"}} }, "headers.received"},
		"return-path header":   {func(m *connector.OutboundMessage) { m.Headers = connector.Header{"Return-Path": {"<a@b.c>"}} }, "headers.Return-Path"},
		"dkim header":          {func(m *connector.OutboundMessage) { m.Headers = connector.Header{"DKIM-Signature": {"v=1"}} }, "headers.DKIM-Signature"},
		"resent header":        {func(m *connector.OutboundMessage) { m.Headers = connector.Header{"resent-from": {"a@b.c"}} }, "headers.resent-from"},
		"attachment no name": {func(m *connector.OutboundMessage) {
			m.Attachments = []connector.OutboundAttachment{{Content: []byte("x")}}
		}, "attachments[0].filename"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := validOutbound()
			c.change(m)
			err := m.Validate()
			require.ErrorIs(t, err, connector.ErrPermanent)
			var v *connector.ValidationError
			require.ErrorAs(t, err, &v)
			var fields []string
			for _, f := range v.Fields {
				fields = append(fields, f.Field)
			}
			require.Contains(t, fields, c.field)
		})
	}
}

func TestValidationErrorListsEveryProblem(t *testing.T) {
	t.Parallel()
	err := (&connector.OutboundMessage{}).Validate()
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Equal(t, []connector.FieldError{
		{Field: "from", Message: "is required"},
		{Field: "message_id", Message: "is required"},
		{Field: "to", Message: "at least one recipient (to, cc or bcc) is required"},
	}, v.Fields)
	require.Equal(t, "connector: invalid message: from is required; message_id is required; to at least one recipient (to, cc or bcc) is required", err.Error())
}

func TestAddressAndHeader(t *testing.T) {
	t.Parallel()
	a, err := connector.ParseAddress(`"Zoë Müller" <zoe@example.org>`)
	require.NoError(t, err)
	require.Equal(t, connector.Address{Name: "Zoë Müller", Email: "zoe@example.org"}, a)
	require.Equal(t, "=?utf-8?q?Zo=C3=AB_M=C3=BCller?= <zoe@example.org>", a.String())
	_, err = connector.ParseAddress("nope")
	require.Error(t, err)

	h := connector.Header{}
	h.Add("list-id", "<a.example>")
	h.Add("LIST-ID", "<b.example>")
	require.Equal(t, "<a.example>", h.Get("List-Id"))
	require.Equal(t, []string{"<a.example>", "<b.example>"}, h["List-Id"])
	require.Empty(t, h.Get("X-Missing"))

	m := connector.Message{Flags: []string{connector.FlagSeen}}
	require.True(t, m.HasFlag(connector.FlagSeen))
	require.False(t, m.HasFlag(connector.FlagFlagged))
}
