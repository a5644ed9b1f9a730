package server

import (
	"net/url"
	"strings"
)

// returnAllowList is the operator's OAUTH_RETURN_URLS: where a finished
// sign-in may send the user's browser back (the return_url given at
// authorize). Each entry is an origin (https://app.example.com: any
// page of it) or an origin and a path (https://app.example.com/mail:
// that page and those below it, whole segments only). A return_url
// matches an entry when its scheme, host and port are the entry's and
// its path is under the entry's; it must be an absolute http(s) URL
// without user information, and its path without dot segments or
// encoded slashes, so that what the browser opens is what was checked.
// It keeps a sign-in's outcome off any site the operator did not name
// (no open redirect); it does not decide which mailboxes a tenant may
// connect.
type returnAllowList []*url.URL

// parseReturnURLs reads the comma-separated allow-list of variable
// name; every entry must be an absolute http(s) URL without user
// information, query or fragment.
func parseReturnURLs(e *envReader, name string) returnAllowList {
	var l returnAllowList
	for _, v := range strings.Split(e.str(name, ""), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || !returnWebURL(u) || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || !returnCleanPath(u) {
			e.fail(name, "%q is not an allowed return URL: use an origin (https://app.example.com) or an origin and a path, without user information, query or fragment", v)
			continue
		}
		l = append(l, u)
	}
	return l
}

// allows returns raw parsed when it is an absolute http(s) URL under
// an entry of the list.
func (l returnAllowList) allows(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || !returnWebURL(u) || !returnCleanPath(u) {
		return nil, false
	}
	for _, a := range l {
		if returnSameOrigin(a, u) && returnUnderPath(a.Path, u.Path) {
			return u, true
		}
	}
	return nil, false
}

// returnWebURL reports whether u is an absolute http(s) URL with a host and
// without user information.
func returnWebURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil && u.Opaque == ""
}

// returnCleanPath reports whether u's path has no dot segments, backslashes
// or encoded slashes, dots and backslashes: a browser would resolve
// them, leaving the path that was checked.
func returnCleanPath(u *url.URL) bool {
	p := strings.ToLower(u.EscapedPath())
	if strings.Contains(p, "\\") || strings.Contains(p, "%2f") || strings.Contains(p, "%2e") || strings.Contains(p, "%5c") {
		return false
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// returnSameOrigin reports whether a and b have the same scheme, host and
// port (a default port written or not).
func returnSameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && returnPort(a) == returnPort(b)
}

func returnPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// returnUnderPath reports whether path p is prefix or below it, by whole
// segments ("" and "/" cover every path).
func returnUnderPath(prefix, p string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

// withOutcome returns u with a sign-in's outcome in its query (replacing
// parameters of the same names): status (connected or failed),
// provider, and integration_id or error (a problem type's last part,
// e.g. oauth-mailbox-mismatch). Never a token.
func withOutcome(u *url.URL, provider, integrationID, errType string) string {
	out := *u
	q := out.Query()
	q.Set("provider", provider)
	if errType == "" {
		q.Set("status", "connected")
		q.Set("integration_id", integrationID)
		q.Del("error")
	} else {
		q.Set("status", "failed")
		q.Set("error", strings.TrimPrefix(errType, problemBase))
		q.Del("integration_id")
	}
	out.RawQuery = q.Encode()
	return out.String()
}
