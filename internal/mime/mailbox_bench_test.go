package mime

import (
	"testing"

	"github.com/ucsp/integration/internal/mailgen"
)

// BenchmarkParseMailbox parses the first 2,000 messages of the mailbox
// .ci/peers.sh generates for Dovecot (seed 42): the mix the imap
// connector's full sync parses. The figures are per message.
func BenchmarkParseMailbox(b *testing.B) {
	var msgs [][]byte
	size := 0
	err := mailgen.Generate(42, 2000, "alice@example.test", func(m *mailgen.Message) error {
		msgs = append(msgs, m.Raw)
		size += len(m.Raw)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Parse(msgs[i], ParseOptions{}); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(msgs) {
			i = 0
		}
	}
}
