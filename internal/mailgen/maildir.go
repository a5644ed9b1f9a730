package mailgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteMaildir writes messages 0 to count-1 of the mailbox seeded by seed
// into the Maildir dir (creating cur, new and tmp), each file's mtime set
// to its Date so that IMAP servers report it as INTERNALDATE, flags in
// the file name, and a stamp file recording seed and count. It returns
// the bytes written.
func WriteMaildir(dir string, seed uint64, count int, to string) (int64, error) {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return 0, err
		}
	}
	var total int64
	err := Generate(seed, count, to, func(m *Message) error {
		name := fmt.Sprintf("%d.M%06dP1Q%d.mailgen,S=%d:2,%s", m.Date.Unix(), m.Index, m.Index, len(m.Raw), maildirFlags(m.Flags))
		path := filepath.Join(dir, "cur", name)
		if err := os.WriteFile(path, m.Raw, 0o644); err != nil {
			return err
		}
		total += int64(len(m.Raw))
		return os.Chtimes(path, m.Date, m.Date)
	})
	if err != nil {
		return total, err
	}
	return total, os.WriteFile(filepath.Join(dir, StampName(seed, count)), nil, 0o644)
}

// StampName is the name of the file WriteMaildir leaves in a Maildir it
// filled, so that a set-up script can skip regenerating it.
func StampName(seed uint64, count int) string {
	return fmt.Sprintf(".mailgen-seed%d-count%d", seed, count)
}

// maildirFlags turns IMAP flags into Maildir info letters, sorted.
func maildirFlags(flags []string) string {
	var b strings.Builder
	for _, f := range []struct{ flag, letter string }{{`\Flagged`, "F"}, {`\Answered`, "R"}, {`\Seen`, "S"}} {
		for _, g := range flags {
			if g == f.flag {
				b.WriteString(f.letter)
			}
		}
	}
	return b.String()
}
