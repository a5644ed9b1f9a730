package gmail

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
)

const topic = "projects/ucsp-test/topics/gmail-push"

// clock is a settable time source for the fake server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// users.watch gets the topic and the synced label (include); the
// Subscription carries Gmail's expiration and historyId. Watching again
// renews it.
func TestWatch(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	f := newFixture(t, gmailtest.Options{Now: clk.Now, AccessTokenTTL: 30 * 24 * time.Hour}, nil)
	sub, err := f.c.Watch(context.Background(), connector.WatchRequest{Topic: topic})
	require.NoError(t, err)
	w := f.mb.Watch()
	require.NotNil(t, w)
	require.Equal(t, topic, w.Topic)
	require.Equal(t, []string{"INBOX"}, w.LabelIDs)
	require.Equal(t, "include", w.Behavior)
	require.True(t, w.Expiration.Equal(sub.Expiry))
	require.Equal(t, clk.Now().Add(7*24*time.Hour), sub.Expiry)
	require.Equal(t, "INBOX", sub.Resource)
	require.Equal(t, connector.Cursor("gmail1:h:"+itoa(f.mb.HistoryID())), sub.Cursor)
	require.False(t, NeedsRenewal(sub, clk.Now()))

	clk.Add(25 * time.Hour)
	require.True(t, NeedsRenewal(sub, clk.Now()), "a day old: renew")
	renewed, err := f.c.Watch(context.Background(), connector.WatchRequest{Topic: topic, Current: sub})
	require.NoError(t, err)
	require.Equal(t, clk.Now().Add(7*24*time.Hour), renewed.Expiry)
	require.Equal(t, 2, f.mb.Watch().Calls)

	require.NoError(t, f.c.Unwatch(context.Background(), renewed))
	require.Nil(t, f.mb.Watch())
	require.NoError(t, f.c.Unwatch(context.Background(), renewed), "stopping twice is fine")
}

// With AllMail the watch has no label filter; a topic Gmail refuses is
// ErrPermanent, a missing one a ConfigError.
func TestWatchErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, func(c *Config) { c.Label = AllMail })
	_, err := f.c.Watch(context.Background(), connector.WatchRequest{Topic: topic})
	require.NoError(t, err)
	require.Empty(t, f.mb.Watch().LabelIDs)

	_, err = f.c.Watch(context.Background(), connector.WatchRequest{Topic: "gmail-push"})
	require.ErrorIs(t, err, connector.ErrPermanent)
	var ce *ConfigError
	_, err = f.c.Watch(context.Background(), connector.WatchRequest{})
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "topic", ce.Fields[0].Field)

	f.srv.RevokeGrant(testUser)
	_, err = f.c.Watch(context.Background(), connector.WatchRequest{Topic: topic})
	require.ErrorIs(t, err, connector.ErrAuth, "a revoked grant: the integration needs re-authorisation")
}

func TestNeedsRenewal(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		sub  *connector.Subscription
		want bool
	}{
		{nil, true},
		{&connector.Subscription{}, true},
		{&connector.Subscription{Expiry: now.Add(7 * 24 * time.Hour)}, false},
		{&connector.Subscription{Expiry: now.Add(6*24*time.Hour + time.Minute)}, false},
		{&connector.Subscription{Expiry: now.Add(6 * 24 * time.Hour)}, true},
		{&connector.Subscription{Expiry: now.Add(time.Hour)}, true},
		{&connector.Subscription{Expiry: now.Add(-time.Hour)}, true},
	} {
		require.Equal(t, tc.want, NeedsRenewal(tc.sub, now), "%+v", tc.sub)
	}
}

// A watched mailbox pushes on changes to the watched label; the push's
// data parses, and NeedsSync says whether the stored cursor is behind.
func TestPushNeedsSync(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var pushes []gmailtest.Push
	f := newFixture(t, gmailtest.Options{OnPush: func(p gmailtest.Push) {
		mu.Lock()
		pushes = append(pushes, p)
		mu.Unlock()
	}}, nil)
	_, err := f.c.Watch(context.Background(), connector.WatchRequest{Topic: topic})
	require.NoError(t, err)
	first := syncAll(t, f.c, "")
	f.insert(t, "sent", 1, "SENT")
	f.insert(t, "new", 1)
	mu.Lock()
	require.Len(t, pushes, 1, "a SENT message is outside the watched INBOX")
	p := pushes[0]
	mu.Unlock()
	require.Equal(t, topic, p.Topic)
	n, err := ParseNotification(p.Data())
	require.NoError(t, err)
	require.Equal(t, Notification{EmailAddress: testUser, HistoryID: f.mb.HistoryID()}, n)
	require.True(t, NeedsSync(first.cursor, n))
	next := syncAll(t, f.c, first.cursor)
	require.False(t, NeedsSync(next.cursor, n), "synced past the push")
	require.True(t, NeedsSync("", n))
	require.True(t, NeedsSync("gmail1:f:1:tok", n), "a full sync in progress")
}

// message.data is base64 in either alphabet, padded or not; historyId a
// number or a string.
func TestParseNotification(t *testing.T) {
	t.Parallel()
	want := Notification{EmailAddress: "a~~~@example.com", HistoryID: 1234567}
	for _, data := range []string{
		"eyJlbWFpbEFkZHJlc3MiOiJhfn5+QGV4YW1wbGUuY29tIiwiaGlzdG9yeUlkIjoxMjM0NTY3fQ==", // std, padded, number
		"eyJlbWFpbEFkZHJlc3MiOiJhfn5+QGV4YW1wbGUuY29tIiwiaGlzdG9yeUlkIjoxMjM0NTY3fQ",   // std, unpadded
		"eyJlbWFpbEFkZHJlc3MiOiJhfn5-QGV4YW1wbGUuY29tIiwiaGlzdG9yeUlkIjoxMjM0NTY3fQ==", // URL-safe, padded
		"eyJlbWFpbEFkZHJlc3MiOiJhfn5-QGV4YW1wbGUuY29tIiwiaGlzdG9yeUlkIjoxMjM0NTY3fQ",   // URL-safe, unpadded
		"eyJlbWFpbEFkZHJlc3MiOiJhfn5+QGV4YW1wbGUuY29tIiwiaGlzdG9yeUlkIjoiMTIzNDU2NyJ9", // historyId as a string
	} {
		got, err := ParseNotification(data)
		require.NoError(t, err, data)
		require.Equal(t, want, got, data)
	}
	for _, bad := range []string{"", "not base64!", "e30", "eyJoaXN0b3J5SWQiOjF9" /* {"historyId":1} */} {
		_, err := ParseNotification(bad)
		require.Error(t, err, bad)
	}
}
