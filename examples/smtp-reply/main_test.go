package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/testenv"
)

// TestRunAgainstMailpit sends a reply to Mailpit and reads it back through
// Mailpit's HTTP API, found by a subject of the test's own: it arrived
// once, with the threading headers naming the original and its thread.
func TestRunAgainstMailpit(t *testing.T) {
	t.Parallel()
	addr, api := testenv.SMTP(t)
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	original := "question-" + suffix + "@customer.example.org"
	root := "root-" + suffix + "@customer.example.org"
	subject := "Where is order " + suffix + "?"

	var out bytes.Buffer
	msg, err := run(t.Context(), config{
		Addr: addr, Security: "none",
		From: "support@example.com", To: "customer@example.org",
		Subject: subject, Text: "It left our warehouse this morning.",
		InReplyTo: "<" + original + ">", References: "<" + root + ">",
	}, &out)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("sent <%s> in reply to <%s>\n", msg.MessageID, original), out.String())

	hc := &http.Client{Timeout: 5 * time.Second}
	get := func(path string, v any) error {
		resp, err := hc.Get(api + path)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
		}
		return json.Unmarshal(body, v)
	}
	var found struct {
		Messages []struct {
			ID, MessageID, Subject string
		} `json:"messages"`
	}
	require.Eventually(t, func() bool {
		err := get("/api/v1/search?"+url.Values{"query": {fmt.Sprintf("subject:%q", "Re: "+subject)}}.Encode(), &found)
		return err == nil && len(found.Messages) > 0
	}, 10*time.Second, 50*time.Millisecond, "Mailpit never received %q", "Re: "+subject)
	require.Len(t, found.Messages, 1)
	require.Equal(t, "Re: "+subject, found.Messages[0].Subject)
	require.Equal(t, msg.MessageID, found.Messages[0].MessageID)

	var headers map[string][]string
	require.NoError(t, get("/api/v1/message/"+url.PathEscape(found.Messages[0].ID)+"/headers", &headers))
	require.Equal(t, []string{"<" + original + ">"}, headers["In-Reply-To"])
	require.Equal(t, []string{"<" + root + "> <" + original + ">"}, headers["References"])
}

// TestRunRefusesBeforeDialling: what is wrong with the reply is found
// before any connection (the address given would refuse one).
func TestRunRefusesBeforeDialling(t *testing.T) {
	t.Parallel()
	base := config{Addr: "127.0.0.1:1", Security: "none", From: "support@example.com", To: "customer@example.org", Subject: "Hi", InReplyTo: "a@b"}

	noOriginal := base
	noOriginal.InReplyTo = ""
	var out bytes.Buffer
	_, err := run(t.Context(), noOriginal, &out)
	require.ErrorContains(t, err, "-in-reply-to")

	badTo := base
	badTo.To = "not an address"
	_, err = run(t.Context(), badTo, &out)
	var ve *connector.ValidationError
	require.True(t, errors.As(err, &ve), "want a *connector.ValidationError, got %v", err)
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.Empty(t, out.String())
}
