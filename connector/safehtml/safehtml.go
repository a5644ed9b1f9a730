package safehtml

import (
	"net/url"
	"strings"
)

// policy is built once: a bluemonday Policy is safe for concurrent use
// once built.
var policy = newPolicy()

// Options change what Sanitize does with images. The zero value keeps
// remote images and drops cid: images (there is nowhere to point them).
type Options struct {
	// CID resolves a cid: reference (RFC 2392) to the URL that serves that
	// inline part, such as the service's attachment route. contentID is
	// the Content-ID without angle brackets and with %-escapes decoded.
	// The URL must be absolute http(s) or a path beginning with a single
	// "/"; any other URL, ok false, or a nil CID drops the image's src and
	// lists the Content-ID in Result.MissingCIDs.
	CID func(contentID string) (url string, ok bool)

	// BlockRemoteImages drops the src of every img that would be fetched
	// from the network (http and https), so that opening a mail does not
	// tell its sender (tracking pixels). Result.RemoteImagesBlocked counts
	// them; a UI can offer to render again with images allowed.
	BlockRemoteImages bool

	// RemoteImagePlaceholder, if set with BlockRemoteImages, replaces the
	// src of a blocked image instead of removing it. Like a CID URL it
	// must be absolute http(s) or a path beginning with a single "/";
	// otherwise the src is removed.
	RemoteImagePlaceholder string
}

// Result is a sanitised rendition and what was done to its images.
type Result struct {
	// HTML is the sanitised fragment, safe to insert into a page. It is a
	// fragment: html, head and body elements are removed, their content
	// kept.
	HTML string
	// RemoteImages counts img elements with an http(s) src, blocked or not.
	RemoteImages int
	// RemoteImagesBlocked counts the remote images whose src was dropped
	// or replaced because Options.BlockRemoteImages was set.
	RemoteImagesBlocked int
	// InlineImages counts cid: references resolved through Options.CID.
	InlineImages int
	// MissingCIDs lists, once each and in order, the Content-IDs that
	// Options.CID did not resolve.
	MissingCIDs []string
}

// Sanitize returns a rendition of html, the HTML body of a mail, that is
// safe to show inside an agent UI: see the package documentation for what
// is removed. It never fails; input that is not HTML comes out as escaped
// text.
//
// Sanitising the HTML of a Result again with zero Options gives the same
// HTML when no image was rewritten (Options.CID, a placeholder); rewritten
// src URLs may be relative, which the policy refuses in input.
func Sanitize(html string, opts Options) Result {
	clean := policy.Sanitize(html)
	return rewrite(clean, opts)
}

// contentID extracts the Content-ID from a cid: URL.
func contentID(src string) string {
	id := src[len("cid:"):]
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	return strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
}

// acceptableTarget reports whether a URL from Options.CID may be used as
// an img src: absolute http(s), or an absolute path on the same origin.
func acceptableTarget(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n\\") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "":
		return u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
	}
	return false
}
