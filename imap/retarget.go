package imap

import (
	"cmp"
	"encoding/json"
	"strings"
)

// CredentialTargetChanges lists the settings whose change from before
// to after would send an integration's credentials somewhere else: to
// another server ("imap.host", "imap.port"), over another protection
// ("imap.security"), or under another login ("imap.username", and
// "email" when the email is the login: neither imap.username nor the
// credentials' username is set). username is the credentials'
// Username. Defaults count as their values (no port is port 993 with
// TLS), host names compare without case.
//
// A service that keeps credentials across a settings change (an update
// that may leave them out) asks for the credentials again when the list
// is not empty: otherwise whoever may change the settings could have
// the stored password sent to a server of theirs. The "smtp" object is
// the sender's: compare it with the sender package's own function
// (smtp.CredentialTargetChanges). Settings that do not decode count as
// empty.
func CredentialTargetChanges(before, after json.RawMessage, username string) []string {
	o, n := destinationOf(before, username), destinationOf(after, username)
	var changed []string
	if o.host != n.host {
		changed = append(changed, "imap.host")
	}
	if o.port != n.port {
		changed = append(changed, "imap.port")
	}
	if o.security != n.security {
		changed = append(changed, "imap.security")
	}
	if o.login != n.login {
		// The setting the new login comes from; if the credentials', the
		// one the old came from.
		changed = append(changed, cmp.Or(n.loginField, o.loginField))
	}
	return changed
}

// destination is where a Factory's connector sends the credentials.
type destination struct {
	host       string
	port       int
	security   Security
	login      string
	loginField string // the setting the login comes from, "" for the credentials
}

func destinationOf(settings json.RawMessage, username string) destination {
	var s Settings
	_ = json.Unmarshal(settings, &s) // what does not decode is empty
	d := destination{
		host:     strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s.IMAP.Host), ".")),
		port:     s.IMAP.Port,
		security: s.IMAP.Security,
	}
	if d.security == "" {
		d.security = SecurityTLS
	}
	if d.port == 0 {
		d.port = 143
		if d.security == SecurityTLS {
			d.port = 993
		}
	}
	switch {
	case s.IMAP.Username != "":
		d.login, d.loginField = s.IMAP.Username, "imap.username"
	case username != "":
		d.login = username
	default:
		d.login, d.loginField = s.Email, "email"
	}
	return d
}
