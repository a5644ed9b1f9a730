package automated_test

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/automated"
	"github.com/ucsp/integration/internal/mime"
)

// bounceWant is what a corpus bounce must yield: the summed-up action
// and each recipient's address, action and status.
type bounceWant struct {
	action     string
	recipients []automated.Recipient
}

func rcpt(addr, action, status string) automated.Recipient {
	return automated.Recipient{Address: addr, Action: action, Status: status}
}

var bounces = map[string]bounceWant{
	"postfix-failed.eml":      {"failed", []automated.Recipient{rcpt("old.customer@example.com", "failed", "5.1.1")}},
	"postfix-delayed.eml":     {"delayed", []automated.Recipient{rcpt("buyer@slow.example", "delayed", "4.4.1")}},
	"postfix-success.eml":     {"relayed", []automated.Recipient{rcpt("partner@example.net", "relayed", "2.0.0")}},
	"exim-failed.eml":         {"failed", []automated.Recipient{rcpt("nobody@gone.example", "failed", "5.0.0")}},
	"exim-plain-text.eml":     {"failed", []automated.Recipient{rcpt("j.smith@closed.example", "failed", ""), rcpt("sales@closed.example", "failed", "")}},
	"exchange-online-ndr.eml": {"failed", []automated.Recipient{rcpt("ana.ruiz@example.es", "failed", "5.1.10")}},
	"gmail-failed.eml":        {"failed", []automated.Recipient{rcpt("tom.baker.uk@gmail.example", "failed", "5.1.1")}},
	"gmail-delayed.eml":       {"delayed", []automated.Recipient{rcpt("info@flaky.example", "delayed", "4.4.2")}},
	"qmail-failed.eml":        {"failed", []automated.Recipient{rcpt("webmaster@oldhost.example", "failed", "5.1.1"), rcpt("ceo@oldhost.example", "failed", "5.2.2")}},
	"mixed-recipients.eml": {"failed", []automated.Recipient{
		rcpt("ok@example.com", "delivered", "2.0.0"), rcpt("late@example.org", "delayed", "4.2.2"), rcpt("gone@example.net", "failed", "5.1.2"),
	}},
	"global-dsn-utf8.eml":     {"failed", []automated.Recipient{rcpt("jürgen@bücher.example", "failed", "5.1.1")}},
	"sendmail-base64-dsn.eml": {"failed", []automated.Recipient{rcpt("sales@closed.example.com", "failed", "5.7.1")}},
}

// TestCorpus classifies every message of testdata/corpus, whose folder
// names the kind it must get, through internal/mime's Parse (what the
// connectors store) and through ClassifyMessage on the parsed message;
// bounces must also yield their recipients. It logs the figures per
// kind.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*/*.eml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 40, "the corpus is there")
	total, right := map[string]int{}, map[string]int{}
	seenBounces := 0
	for _, f := range files {
		want := filepath.Base(filepath.Dir(f))
		name := filepath.Base(f)
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		total[want]++
		t.Run(want+"/"+name, func(t *testing.T) {
			m, err := mime.Parse(raw, mime.ParseOptions{})
			require.NoError(t, err)
			got := m.Automated
			t.Logf("%s: %q", got.Kind, got.Reasons)
			require.Equal(t, want, string(got.Kind), "reasons: %q", got.Reasons)
			require.Equal(t, want != "human", got.IsAutomated())
			if want == "human" {
				require.Empty(t, got.Reasons, "a person's mail shows no evidence")
			} else {
				require.NotEmpty(t, got.Reasons, "a machine's mail says why")
			}
			again := automated.ClassifyMessage(withClassifierHeaders(t, m, raw))
			require.Equal(t, got.Kind, again.Kind, "ClassifyMessage agrees with Parse")

			if want == string(automated.Bounced) {
				bw, ok := bounces[name]
				require.True(t, ok, "the test knows what %s reports", name)
				seenBounces++
				require.NotNil(t, got.Bounce)
				require.Equal(t, bw.action, got.Bounce.Action)
				require.Equal(t, bw.action == "failed", got.Bounce.Failed())
				require.Len(t, got.Bounce.Recipients, len(bw.recipients))
				for i, r := range bw.recipients {
					g := got.Bounce.Recipients[i]
					require.Equal(t, r, automated.Recipient{Address: g.Address, Action: g.Action, Status: g.Status})
				}
			} else {
				require.Nil(t, got.Bounce)
			}
			right[want]++
		})
	}
	require.Equal(t, len(bounces), seenBounces, "every expected bounce is in the corpus")
	kinds := make([]string, 0, len(total))
	for k := range total {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		b.WriteString(k + ": " + strconv.Itoa(right[k]) + "/" + strconv.Itoa(total[k]) + " right; ")
	}
	t.Logf("corpus: %s", b.String())
	for _, k := range []string{"human", "auto_reply", "bounce", "list"} {
		require.Positive(t, total[k], "the corpus has %s mail", k)
	}
}

// withClassifierHeaders returns m with the header fields Classify reads
// in its Headers, as a caller of ClassifyMessage keeps them, read from
// raw with a second Parse that keeps those.
func withClassifierHeaders(t *testing.T, m *connector.Message, raw []byte) *connector.Message {
	t.Helper()
	h, err := mime.Parse(raw, mime.ParseOptions{Headers: automated.HeaderFields})
	require.NoError(t, err)
	c := m.Clone()
	c.Headers = h.Headers
	c.Automated = connector.Automated{}
	return c
}
