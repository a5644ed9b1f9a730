package signin

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// AllowList is where a finished sign-in may send the user's browser
// back (the return URL given at Start). Each entry is an origin
// (https://app.example.com: any page of it) or an origin and a path
// (https://app.example.com/mail: that page and those below it, whole
// segments only). A return URL matches an entry when its scheme, host
// and port are the entry's and its path is under the entry's; it must be
// an absolute http(s) URL without user information, and its path
// without dot segments or encoded slashes, so that what the browser
// opens is what was checked. It keeps a sign-in's outcome off any site
// the operator did not name (no open redirect); it does not decide which
// mailboxes a tenant may connect.
type AllowList []*url.URL

// ParseAllowList reads a comma-separated allow-list (spaces around
// entries and empty entries are ignored); every entry must be an
// absolute http(s) URL without user information, query, fragment or dot
// segments. The error names every entry that is not.
func ParseAllowList(s string) (AllowList, error) {
	var l AllowList
	var bad []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || !webURL(u) || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || !cleanPath(u) {
			bad = append(bad, fmt.Sprintf("%q", v))
			continue
		}
		l = append(l, u)
	}
	if len(bad) > 0 {
		return l, errors.New("signin: not an allowed return URL: " + strings.Join(bad, ", ") +
			" (use an origin, https://app.example.com, or an origin and a path, without user information, query or fragment)")
	}
	return l, nil
}

// Allows returns raw parsed when it is an absolute http(s) URL under an
// entry of the list.
func (l AllowList) Allows(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || !webURL(u) || !cleanPath(u) {
		return nil, false
	}
	for _, a := range l {
		if sameOrigin(a, u) && underPath(a.Path, u.Path) {
			return u, true
		}
	}
	return nil, false
}

// webURL reports whether u is an absolute http(s) URL with a host and
// without user information.
func webURL(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil && u.Opaque == ""
}

// cleanPath reports whether u's path has no dot segments, backslashes
// or encoded slashes, dots and backslashes: a browser would resolve
// them, leaving the path that was checked.
func cleanPath(u *url.URL) bool {
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

// sameOrigin reports whether a and b have the same scheme, host and port
// (a default port written or not).
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// underPath reports whether path p is prefix or below it, by whole
// segments ("" and "/" cover every path).
func underPath(prefix, p string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

// WithOutcome returns u with a sign-in's outcome in its query (replacing
// parameters of the same names, keeping the others): status (connected
// or failed), provider, and integration_id, or error when errCode is
// set (a short code such as "oauth-mailbox-mismatch"). Never a token. u
// is not changed.
func WithOutcome(u *url.URL, provider, integrationID, errCode string) string {
	out := *u
	q := out.Query()
	q.Set("provider", provider)
	if errCode == "" {
		q.Set("status", "connected")
		q.Set("integration_id", integrationID)
		q.Del("error")
	} else {
		q.Set("status", "failed")
		q.Set("error", errCode)
		q.Del("integration_id")
	}
	out.RawQuery = q.Encode()
	return out.String()
}
