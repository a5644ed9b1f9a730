package server

import (
	"io"
	"log/slog"
	"strings"

	"github.com/ucsp/integration/connector"
)

func httpBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func connectorCreds() connector.Credentials { return connector.Credentials{Password: "p"} }
