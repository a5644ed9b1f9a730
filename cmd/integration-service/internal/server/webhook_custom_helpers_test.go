package server

import (
	"io"
	"strings"

	"github.com/ucsp/integration/connector"
)

func httpBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func connectorCreds() connector.Credentials { return connector.Credentials{Password: "p"} }
