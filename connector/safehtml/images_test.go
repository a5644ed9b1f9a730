package safehtml_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ucsp/integration/connector/safehtml"
)

const mixedImages = `<p>Hi</p>` +
	`<img src="https://tracker.example/open.gif" width="1" height="1">` +
	`<img src="http://cdn.example/banner.png" alt="banner">` +
	`<img src="cid:part1.abc%40mail.example" alt="inline">` +
	`<img src="CID:unknown@mail.example">` +
	`<img src="cid:unknown@mail.example">` +
	`<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">`

func TestRemoteImagesKeptByDefault(t *testing.T) {
	res := safehtml.Sanitize(mixedImages, safehtml.Options{})
	if res.RemoteImages != 2 || res.RemoteImagesBlocked != 0 {
		t.Fatalf("RemoteImages %d, blocked %d; want 2, 0", res.RemoteImages, res.RemoteImagesBlocked)
	}
	for _, want := range []string{`src="https://tracker.example/open.gif"`, `src="http://cdn.example/banner.png"`, `src="data:image/png;base64,iVBORw0KGgo="`} {
		if !strings.Contains(res.HTML, want) {
			t.Errorf("lost %s:\n%s", want, res.HTML)
		}
	}
	// No CID function: every cid: image loses its src and is reported.
	if strings.Contains(strings.ToLower(res.HTML), "cid:") {
		t.Errorf("cid: left in output:\n%s", res.HTML)
	}
	want := []string{"part1.abc@mail.example", "unknown@mail.example"}
	if !slices.Equal(res.MissingCIDs, want) {
		t.Errorf("MissingCIDs %q, want %q", res.MissingCIDs, want)
	}
}

func TestBlockRemoteImages(t *testing.T) {
	res := safehtml.Sanitize(mixedImages, safehtml.Options{BlockRemoteImages: true, CID: cidRoute})
	if res.RemoteImages != 2 || res.RemoteImagesBlocked != 2 {
		t.Fatalf("RemoteImages %d, blocked %d; want 2, 2", res.RemoteImages, res.RemoteImagesBlocked)
	}
	if strings.Contains(res.HTML, "tracker.example") || strings.Contains(res.HTML, "cdn.example") {
		t.Errorf("remote image left:\n%s", res.HTML)
	}
	for _, want := range []string{`<p>Hi</p><img width="1" height="1"><img alt="banner">`, `<img src="/att/part1.abc@mail.example" alt="inline">`, `src="data:image/png;base64,iVBORw0KGgo="`} {
		if !strings.Contains(res.HTML, want) {
			t.Errorf("missing %s:\n%s", want, res.HTML)
		}
	}
	if res.InlineImages != 3 || len(res.MissingCIDs) != 0 {
		t.Errorf("InlineImages %d MissingCIDs %q; want 3, none", res.InlineImages, res.MissingCIDs)
	}
}

func TestBlockRemoteImagesPlaceholder(t *testing.T) {
	res := safehtml.Sanitize(mixedImages, safehtml.Options{BlockRemoteImages: true, RemoteImagePlaceholder: "/static/blocked.svg"})
	if got := strings.Count(res.HTML, `src="/static/blocked.svg"`); got != 2 || res.RemoteImagesBlocked != 2 {
		t.Errorf("placeholders %d, blocked %d; want 2, 2:\n%s", got, res.RemoteImagesBlocked, res.HTML)
	}
}

func TestBadPlaceholderIgnored(t *testing.T) {
	res := safehtml.Sanitize(`<img src="https://t.example/x.gif" alt="x">`, safehtml.Options{BlockRemoteImages: true, RemoteImagePlaceholder: "javascript:alert(1)"})
	if res.HTML != `<img alt="x">` || res.RemoteImagesBlocked != 1 {
		t.Errorf("got %q, blocked %d", res.HTML, res.RemoteImagesBlocked)
	}
}

func TestCIDTargetChecked(t *testing.T) {
	for _, target := range []string{"javascript:alert(1)", "//evil.example/x", "data:text/html,x", "relative/path", "/a b", ""} {
		res := safehtml.Sanitize(`<img src="cid:a@b" alt="a">`, safehtml.Options{CID: func(string) (string, bool) { return target, true }})
		if res.HTML != `<img alt="a">` || res.InlineImages != 0 || !slices.Equal(res.MissingCIDs, []string{"a@b"}) {
			t.Errorf("CID target %q: got %q, inline %d, missing %q", target, res.HTML, res.InlineImages, res.MissingCIDs)
		}
	}
	res := safehtml.Sanitize(`<img src="cid:a@b">`, safehtml.Options{CID: func(string) (string, bool) { return "https://files.example/a?x=1&y=2", true }})
	if res.HTML != `<img src="https://files.example/a?x=1&amp;y=2">` {
		t.Errorf("absolute CID target: got %q", res.HTML)
	}
}

func TestLinksOpenSafely(t *testing.T) {
	res := safehtml.Sanitize(`<a href="mailto:help@example.com" rel="opener" target="_top">mail</a><a href="cid:x@y">att</a>`, safehtml.Options{})
	want := `<a href="mailto:help@example.com" rel="noopener noreferrer nofollow" target="_blank">mail</a>att`
	if res.HTML != want {
		t.Errorf("got  %q\nwant %q", res.HTML, want)
	}
}

func TestStylesSanitised(t *testing.T) {
	res := safehtml.Sanitize(`<p style="color: #336699; font-weight: bold; background-image: url(https://tracker.example/x); width: expression(alert(1)); margin: 0 auto">x</p>`, safehtml.Options{})
	want := `<p style="color: #336699; font-weight: bold; margin: 0 auto">x</p>`
	if res.HTML != want {
		t.Errorf("got  %q\nwant %q", res.HTML, want)
	}
}

func TestIdempotent(t *testing.T) {
	for _, c := range hostile {
		once := safehtml.Sanitize(ordinary+c.html, safehtml.Options{}).HTML
		if twice := safehtml.Sanitize(once, safehtml.Options{}).HTML; twice != once {
			t.Errorf("%s: not idempotent:\nonce  %q\ntwice %q", c.name, once, twice)
		}
	}
}
