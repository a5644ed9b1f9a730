package imap

import (
	"errors"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/xoauth2"
)

// authenticate logs c in: XOAUTH2 with a token from Config.TokenSource,
// otherwise AUTHENTICATE PLAIN when offered, otherwise LOGIN.
func authenticate(c *conn, cfg *Config) error {
	caps := c.client.Caps()
	if cfg.TokenSource != nil {
		if !caps.Has(imap.Cap("AUTH=" + xoauth2.Mechanism)) {
			return connector.PermanentError("imap: authenticate", errors.New("the server does not offer AUTH=XOAUTH2; use a password"))
		}
		tok, err := cfg.TokenSource.Token()
		if err != nil {
			return classify("imap: oauth2 token", err)
		}
		if !tok.Valid() {
			return connector.AuthError("imap: oauth2 token", errors.New("the token source returned an expired or empty token"))
		}
		sc := &xoauth2.Client{
			Username: cfg.Username,
			Token:    tok.AccessToken,
			// go-imap would send "=" for an empty response; write the
			// empty line ourselves (see package xoauth2).
			EmptyResponse: func() error {
				_, err := c.netConn.Write([]byte("\r\n"))
				return err
			},
		}
		return authError("imap: authenticate XOAUTH2", c.client.Authenticate(sc))
	}
	if caps.Has(imap.AuthCap(sasl.Plain)) {
		return authError("imap: authenticate PLAIN", c.client.Authenticate(sasl.NewPlainClient("", cfg.Username, cfg.Password)))
	}
	if caps.Has(imap.CapLoginDisabled) {
		return connector.PermanentError("imap: login", errors.New("the server disabled LOGIN and offers no AUTH=PLAIN (it may require TLS)"))
	}
	return authError("imap: login", c.client.Login(cfg.Username, cfg.Password).Wait())
}
