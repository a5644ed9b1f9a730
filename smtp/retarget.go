package smtp

import (
	"encoding/json"
	"strings"
)

// CredentialTargetChanges lists the settings whose change from before
// to after would send an integration's credentials somewhere else: to
// another server ("host", "port"), over another protection
// ("security"), under another login ("username"), or at all ("auth"
// from "none" to a mechanism). username is the login the settings fall
// back on (the credentials' Username). Defaults count as their values
// (no port is 587 with STARTTLS), host names compare without case. New
// settings that send no credentials ("auth": "none", or no settings)
// change nothing; earlier ones that are empty (the integration had no SMTP
// server) are a change of host.
//
// A service that keeps credentials across a settings change (an update
// that may leave them out) asks for the credentials again when the list
// is not empty: otherwise whoever may change the settings could have
// the stored password sent to a server of theirs. Settings that do not
// decode count as empty.
func CredentialTargetChanges(before, after json.RawMessage, username string) []string {
	n, ok := destinationOf(after, username)
	if !ok {
		return nil
	}
	o, sent := destinationOf(before, username)
	var changed []string
	if o.Host != n.Host {
		changed = append(changed, "host")
	}
	if o.Port != n.Port {
		changed = append(changed, "port")
	}
	if o.Security != n.Security {
		changed = append(changed, "security")
	}
	if o.Username != n.Username {
		changed = append(changed, "username")
	}
	if !sent && len(strings.TrimSpace(string(before))) > 0 && o.Host == n.Host {
		changed = append(changed, "auth")
	}
	return changed
}

// destinationOf returns where settings send the credentials (a Config
// with Host, Port, Security and Username set), and false when they send
// none.
func destinationOf(settings json.RawMessage, username string) (Config, bool) {
	var s Settings
	if len(strings.TrimSpace(string(settings))) > 0 {
		_ = json.Unmarshal(settings, &s) // what does not decode is empty
	}
	c := Config{
		Host:     strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s.Host), ".")),
		Port:     s.Port,
		Security: s.Security,
		Username: s.Username,
		Auth:     s.Auth,
	}
	if c.Username == "" {
		c.Username = username
	}
	c = c.withDefaults()
	return c, c.Auth != AuthNone && s.Host != ""
}
