package smtp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

// An integration's stored settings and credentials become a Sender. New
// does no network I/O; Test would connect.
func ExampleConfigFromSettings() {
	settings := json.RawMessage(`{"host": "smtp.example.com", "security": "starttls", "username": "support@example.com"}`)
	creds := connector.Credentials{Password: "app-password"}

	cfg, err := smtp.ConfigFromSettings(settings, creds)
	if err != nil {
		log.Fatal(err)
	}
	s, err := smtp.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Config())
	// Output: smtp.Config{host=smtp.example.com port=587 security=starttls auth=auto username=support@example.com password=[redacted]}
}

// Bad settings are refused field by field, before anything connects.
func ExampleConfigFromSettings_invalid() {
	_, err := smtp.ConfigFromSettings(json.RawMessage(`{"port": 70000, "security": "ssl"}`), connector.Credentials{})
	var v *connector.ValidationError
	if errors.As(err, &v) {
		for _, f := range v.Fields {
			fmt.Println(f.Field+":", f.Message)
		}
	}
	// Output:
	// host: is required
	// port: must be between 1 and 65535, got 70000
	// security: must be "starttls", "tls" or "none", got "ssl"
}

// A batch goes out over one connection, with one result or error per
// message. Callers retry what connector.IsRetryable says they may.
func ExampleSender_SendMany() {
	s, err := smtp.New(smtp.Config{Host: "smtp.example.com", Username: "support@example.com", Password: "app-password"})
	if err != nil {
		log.Fatal(err)
	}
	var outbox []*connector.OutboundMessage // from the caller's outbox
	results, errs := s.SendMany(context.Background(), outbox)
	for i, err := range errs {
		switch {
		case err == nil:
			fmt.Println("sent", results[i].MessageID)
		case connector.IsRetryable(err):
			fmt.Println("retry later", outbox[i].MessageID)
		default:
			fmt.Println("failed for good", outbox[i].MessageID, err)
		}
	}
}
