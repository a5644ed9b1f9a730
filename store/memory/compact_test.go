package memory

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func fullMessage() *connector.Message {
	return &connector.Message{
		ProviderID: "p-1", ProviderRef: "ref-1", ThreadID: "t-1", MessageID: "m-1@example.org",
		InReplyTo: []string{"a@example.org"}, References: []string{"a@example.org", "b@example.org"},
		From:    []connector.Address{{Name: "Ann", Email: "ann@example.org"}},
		To:      []connector.Address{{Email: "help@example.com"}, {Name: "Bob", Email: "bob@example.com"}},
		Cc:      []connector.Address{{Email: "cc@example.com"}},
		Bcc:     []connector.Address{{Email: "bcc@example.com"}},
		ReplyTo: []connector.Address{{Email: "reply@example.org"}},
		Subject: "Order 1", Date: time.Unix(1700000000, 0).UTC(), ReceivedAt: time.Unix(1700000001, 0).UTC(),
		Text: "Where is my order?", HTML: "<p>Where is my order?</p>",
		Attachments: []connector.Attachment{{ID: "1", Filename: "a.pdf", ContentType: "application/pdf", ContentID: "c1", Size: 3, Content: []byte("pdf")}},
		Folders:     []string{"INBOX"}, Labels: []string{"L1"}, Flags: []string{`\Seen`}, Size: 1234,
		Headers: connector.Header{"X-A": {"1", "2"}},
		Automated: connector.Automated{
			Kind: connector.AutomatedBounce, Reasons: []string{"X-Failed-Recipients: a@example.com"},
			Bounce: &connector.Bounce{Action: "failed", Recipients: []connector.BounceRecipient{{Address: "a@example.com", Action: "failed"}}},
			List:   &connector.MailingList{ID: "l.example.com", Unsubscribe: []string{"mailto:u@example.com"}},
		},
		Problems: []string{"charset"},
		History:  true,
	}
}

// TestNewStoredMessage: the stored copy equals the message (without
// attachment content), carries the id, and shares nothing the caller
// or a later append could change.
func TestNewStoredMessage(t *testing.T) {
	in := fullMessage()
	s := newStoredMessage("id-1", in)
	want := fullMessage()
	want.Attachments[0].Content = nil
	require.Equal(t, "id-1", s.ID)
	require.Equal(t, *want, s.Message)

	// The caller's message changed: the copy is not.
	in.From[0].Name = "changed"
	in.References[0] = "changed"
	in.Attachments[0].Filename = "changed"
	in.Headers["X-A"][0] = "changed"
	in.Subject = "changed"
	require.Equal(t, *want, s.Message)

	// Lists carved from one array do not overwrite each other.
	s.From = append(s.From, connector.Address{Email: "new@example.org"})
	s.InReplyTo = append(s.InReplyTo, "new@example.org")
	require.Equal(t, want.To, s.To)
	require.Equal(t, want.References, s.References)

	// Empty and nil lists stay as they were.
	e := newStoredMessage("id-2", &connector.Message{ProviderID: "p-2", To: []connector.Address{}})
	require.Nil(t, e.From)
	require.NotNil(t, e.To)
	require.Empty(t, e.To)
	require.Equal(t, "p-2", e.ProviderID)
}

// TestNewStoredMessageAllocations: a message's strings, address lists
// and string lists take one allocation each, however many there are
// (the struct, the three, and the attachments: 5); a deep copy takes
// one per list and keeps the caller's strings.
func TestNewStoredMessageAllocations(t *testing.T) {
	in := fullMessage()
	in.Headers = nil
	// A person's mail, most of a mailbox, has no classification lists;
	// a machine's has a few small objects more.
	in.Automated = connector.Automated{Kind: connector.AutomatedHuman}
	n := testing.AllocsPerRun(100, func() { _ = newStoredMessage("id-1", in) })
	require.LessOrEqual(t, n, 5.0)
}

// TestNewStoredMessageCoversEveryField: fullMessage sets every field of
// connector.Message, and the stored copy shares no list, map or byte
// slice with it. A field added to connector.Message fails this until
// fullMessage sets it, and then if newStoredMessage leaves it shared
// with the caller.
func TestNewStoredMessageCoversEveryField(t *testing.T) {
	in := fullMessage()
	out := newStoredMessage("id-1", in)
	iv, ov := reflect.ValueOf(in).Elem(), reflect.ValueOf(&out.Message).Elem()
	for i := range iv.NumField() {
		name := iv.Type().Field(i).Name
		f, g := iv.Field(i), ov.Field(i)
		require.False(t, f.IsZero(), "fullMessage leaves %s unset", name)
		switch f.Kind() {
		case reflect.Slice, reflect.Map:
			require.NotEqual(t, f.Pointer(), g.Pointer(), "the stored copy shares %s with the caller", name)
		case reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func:
			t.Errorf("%s is a %s: newStoredMessage does not know how to copy it", name, f.Kind())
		case reflect.Struct:
			if a, ok := f.Interface().(connector.Automated); ok {
				b := g.Interface().(connector.Automated)
				require.NotSame(t, &a.Reasons[0], &b.Reasons[0], "the stored copy shares Automated.Reasons")
				require.NotSame(t, a.Bounce, b.Bounce, "the stored copy shares Automated.Bounce")
				require.NotSame(t, a.List, b.List, "the stored copy shares Automated.List")
			}
		}
	}
}
