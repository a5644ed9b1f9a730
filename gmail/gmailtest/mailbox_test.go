package gmailtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/gmail/gmailtest"
)

type listResp struct {
	Messages []struct {
		ID       string `json:"id"`
		ThreadID string `json:"threadId"`
	} `json:"messages"`
	NextPageToken      string `json:"nextPageToken"`
	ResultSizeEstimate int    `json:"resultSizeEstimate"`
}

type historyResp struct {
	History []struct {
		ID            string `json:"id"`
		MessagesAdded []struct {
			Message struct {
				ID       string   `json:"id"`
				LabelIDs []string `json:"labelIds"`
			} `json:"message"`
		} `json:"messagesAdded"`
		LabelsAdded []struct {
			LabelIDs []string `json:"labelIds"`
		} `json:"labelsAdded"`
	} `json:"history"`
	NextPageToken string `json:"nextPageToken"`
	HistoryID     string `json:"historyId"`
}

// messages.list pages newest first; a page token stays valid when
// messages are deleted or added meanwhile, and nothing is skipped.
func TestListPaging(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{})
	var ids []string
	for i := range 7 {
		id, err := mb.Insert(raw(fmt.Sprintf("%d@x", i), fmt.Sprint(i)))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	var page listResp
	c.get(u+"/messages?maxResults=3", &page)
	require.Equal(t, 7, page.ResultSizeEstimate)
	require.Equal(t, []string{ids[6], ids[5], ids[4]}, pageIDs(page))
	require.NoError(t, mb.Delete(ids[3]))
	_, err := mb.Insert(raw("new@x", "new"))
	require.NoError(t, err)
	c.get(u+"/messages?maxResults=3&pageToken="+page.NextPageToken, &page)
	require.Equal(t, []string{ids[2], ids[1], ids[0]}, pageIDs(page))
	require.Empty(t, page.NextPageToken)

	code, _, _ := c.do(http.MethodGet, u+"/messages?pageToken=garbage", "")
	require.Equal(t, 400, code)
	c.get(u+"/messages?maxResults=1000", &page)
	require.Len(t, page.Messages, 7, "maxResults is capped at 500, not refused")
}

func pageIDs(p listResp) []string {
	var out []string
	for _, m := range p.Messages {
		out = append(out, m.ID)
	}
	return out
}

// History ids increase with gaps; history.list returns the records after
// startHistoryId, filtered and paged, with the mailbox's historyId; an
// expired startHistoryId is 404.
func TestHistory(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{})
	start := mb.HistoryID()
	a, _ := mb.Insert(raw("a@x", "A"))
	_, _ = mb.Insert(raw("b@x", "B"), "SENT")
	require.NoError(t, mb.Modify(a, []string{"Label_1"}, nil))

	var h historyResp
	c.get(u+"/history?startHistoryId="+strconv.FormatUint(start, 10), &h)
	require.Len(t, h.History, 3)
	prev := start
	gaps := 0
	for _, r := range h.History {
		id, err := strconv.ParseUint(r.ID, 10, 64)
		require.NoError(t, err)
		require.Greater(t, id, prev)
		if id > prev+1 {
			gaps++
		}
		prev = id
	}
	require.Positive(t, gaps, "ids are not contiguous")
	require.Equal(t, strconv.FormatUint(mb.HistoryID(), 10), h.HistoryID)
	require.Equal(t, []string{"INBOX", "UNREAD"}, h.History[0].MessagesAdded[0].Message.LabelIDs)
	require.Equal(t, []string{"Label_1"}, h.History[2].LabelsAdded[0].LabelIDs)

	c.get(u+"/history?historyTypes=labelAdded&startHistoryId="+strconv.FormatUint(start, 10), &h)
	require.Len(t, h.History, 1)
	c.get(u+"/history?labelId=SENT&startHistoryId="+strconv.FormatUint(start, 10), &h)
	require.Len(t, h.History, 1)
	c.get(u+"/history?maxResults=2&startHistoryId="+strconv.FormatUint(start, 10), &h)
	require.Len(t, h.History, 2)
	c.get(u+"/history?maxResults=2&startHistoryId="+strconv.FormatUint(start, 10)+"&pageToken="+h.NextPageToken, &h)
	require.Len(t, h.History, 1)
	require.Empty(t, h.NextPageToken)

	mb.ExpireHistory()
	code, _, _ := c.do(http.MethodGet, u+"/history?startHistoryId="+strconv.FormatUint(start, 10), "")
	require.Equal(t, http.StatusNotFound, code)
	c.get(u+"/history?startHistoryId="+strconv.FormatUint(mb.HistoryID(), 10), &h)
	require.Empty(t, h.History)
}

// A sent message joins a thread only with all three of Gmail's
// conditions: threadId, In-Reply-To/References naming a message of the
// thread, and the same subject ("Re:" aside).
func TestSendThreadingRules(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{})
	first, _ := mb.Insert(raw("orig@x", "Order 7"))
	info, _ := mb.Message(first)
	thread := info.ThreadID
	send := func(threadID string, msg []byte) string {
		body := `{"raw":"` + b64(msg) + `"`
		if threadID != "" {
			body += `,"threadId":"` + threadID + `"`
		}
		code, _, b := c.do(http.MethodPost, u+"/messages/send", body+"}")
		require.Equal(t, 200, code, string(b))
		var m struct {
			ThreadID string `json:"threadId"`
		}
		require.NoError(t, json.Unmarshal(b, &m))
		return m.ThreadID
	}
	require.Equal(t, thread, send(thread, raw("r1@x", "Re: Order 7", "In-Reply-To: <orig@x>", "References: <orig@x>")))
	require.NotEqual(t, thread, send("", raw("r2@x", "Re: Order 7", "In-Reply-To: <orig@x>")), "no threadId")
	require.NotEqual(t, thread, send(thread, raw("r3@x", "Re: Order 7")), "no In-Reply-To or References")
	require.NotEqual(t, thread, send(thread, raw("r4@x", "Your order", "In-Reply-To: <orig@x>")), "another subject")
	require.Len(t, mb.Sent(), 4)

	code, _, _ := c.do(http.MethodPost, u+"/messages/send", `{"raw":"`+b64([]byte("Subject: x\r\n\r\nno recipient"))+`"}`)
	require.Equal(t, 400, code)
	code, _, _ = c.do(http.MethodPost, u+"/messages/send?uploadType=media", "")
	require.Equal(t, 400, code)
}

// The upload endpoint takes the message itself (uploadType=media).
func TestSendUploadMedia(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{})
	req, err := http.NewRequest(http.MethodPost, c.srv.URL+"/upload"+u+"/messages/send?uploadType=media", bytes.NewReader(raw("up@x", "Up")))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "message/rfc822")
	resp, err := c.srv.Client().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, raw("up@x", "Up"), mb.Sent()[0])
}

// Calls are charged their documented units; with a UserQuota the server
// refuses what would exceed it within the window, with a Retry-After.
func TestQuota(t *testing.T) {
	t.Parallel()
	c, mb := newClient(t, gmailtest.Options{UserQuota: 12, QuotaWindow: time.Hour})
	id, _ := mb.Insert(raw("a@x", "A"))
	var v any
	c.get(u+"/profile", &v)                    // 1
	c.get(u+"/messages", &v)                   // 5
	c.get(u+"/messages/"+id+"?format=raw", &v) // 5
	code, h, _ := c.do(http.MethodGet, u+"/messages/"+id, "")
	require.Equal(t, 429, code, "5 more would make 16 > 12")
	require.NotEmpty(t, h.Get("Retry-After"))
	c.get(u+"/profile", &v) // 1 still fits
	require.Equal(t, 12, c.srv.Units(user))
	require.Equal(t, 12, c.srv.MaxUnitsPerWindow(user))
}
