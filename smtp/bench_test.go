package smtp_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/smtp"
)

// BenchmarkSendMany sends batches of 100 replies over STARTTLS with AUTH
// PLAIN to the in-process server: one connection per batch.
func BenchmarkSendMany(b *testing.B) {
	ts := startServer(b, serverOptions{TLS: "starttls", Mechs: []string{"PLAIN"}, Users: map[string]string{"u": "pw"}})
	cfg := ts.config(b, smtp.SecurityStartTLS)
	cfg.Username, cfg.Password, cfg.Logger = "u", "pw", nil
	s := newSender(b, cfg)
	msgs := batch(b, 100)
	msgs[0] = reply(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, errs := s.SendMany(b.Context(), msgs)
		for _, err := range errs {
			require.NoError(b, err)
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSend sends one message per connection, for comparison.
func BenchmarkSend(b *testing.B) {
	ts := startServer(b, serverOptions{TLS: "starttls", Mechs: []string{"PLAIN"}, Users: map[string]string{"u": "pw"}})
	cfg := ts.config(b, smtp.SecurityStartTLS)
	cfg.Username, cfg.Password, cfg.Logger = "u", "pw", nil
	s := newSender(b, cfg)
	msg := simple(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, err := s.Send(b.Context(), msg)
		require.NoError(b, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
