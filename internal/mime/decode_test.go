package mime

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	est := time.FixedZone("", -5*3600)
	for _, tc := range []struct {
		in   string
		want time.Time // zero: unparsable
	}{
		{"Mon, 02 Jan 2006 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"2 Jan 2006 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Mon, 2 Jan 2006 15:04:05 -0500 (EST)", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Mon, 2 Jan 2006 15:04 -0500", time.Date(2006, 1, 2, 15, 4, 0, 0, est)},
		{"Mon, 02 Jan 2006 15:04:05 EST", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Mon, 02 Jan 2006 20:04:05 GMT", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
		{"Mon, 02 Jan 2006 20:04:05 +0000 GMT", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
		{"Mon, 02 Jan 2006 20:04:05 CEST", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)}, // unknown name: -0000
		{"Mon, 02 Jan 06 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"mon, 02 jan 2006 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Monday, 02 January 2006 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Mon,  2 Jan 2006 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Mon, 02 Jan 2006 15:04:05 -05:00", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Mon, 02 Jan 2006 20:04:05", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
		{"Mon Jan  2 20:04:05 2006", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
		{"Mon Jan 2 15:04:05 EST 2006", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"2006-01-02T20:04:05Z", time.Date(2006, 1, 2, 20, 4, 5, 0, time.UTC)},
		{"2006-01-02 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"02-Jan-2006 15:04:05 -0500", time.Date(2006, 1, 2, 15, 4, 5, 0, est)},
		{"Mon, 02 Jan 2006 15:04:05.250 -0500", time.Date(2006, 1, 2, 15, 4, 5, 250e6, est)},
		{"someday soon", time.Time{}},
		{"Mon, 02 Jan 2006 15:04:05 -9959", time.Time{}},
		{"", time.Time{}},
	} {
		got, ok := parseDate(tc.in)
		require.Equal(t, !tc.want.IsZero(), ok, tc.in)
		require.True(t, tc.want.Equal(got), "%q: want %v, got %v", tc.in, tc.want, got)
		if ok {
			_, wantOff := tc.want.Zone()
			_, gotOff := got.Zone()
			require.Equal(t, wantOff, gotOff, tc.in)
		}
	}
}

func TestDecodeQP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		clean    bool
	}{
		{"caf=C3=A9", "café", true},
		{"caf=c3=a9", "café", true},
		{"soft=\r\nbreak\r\n", "softbreak\r\n", true},
		{"soft=\nbreak", "softbreak", true},
		{"trailing  \t\nspace", "trailing\nspace", true},
		{"a=3Db", "a=b", true},
		{"bad =ZZ escape", "bad =ZZ escape", false},
		{"end=", "end", true},
		{"end=4", "end=4", false},
	} {
		got, clean := decodeQP([]byte(tc.in))
		require.Equal(t, tc.want, string(got), tc.in)
		require.Equal(t, tc.clean, clean, tc.in)
	}
}

func TestDecodeBase64(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		clean    bool
	}{
		{"SGVsbG8=", "Hello", true},
		{"SGVs\r\nbG8=\r\n", "Hello", true},
		{"SGVs bG8=", "Hello", true},               // spaces
		{"SGVsbG8", "Hello", true},                 // no padding
		{"SGVsbG8=\r\n-- trailer", "Hello", false}, // junk after the padding
		{"SGV*sbG8=", "Hello", false},              // junk inside
		{"SGVsbG8hI", "Hello!", false},             // a lone last character
	} {
		got, clean := decodeBase64([]byte(tc.in))
		require.Equal(t, tc.want, string(got), tc.in)
		require.Equal(t, tc.clean, clean, tc.in)
		require.Equal(t, int64(len(tc.want)), decodedSize(encBase64, []byte(tc.in)), tc.in)
	}
}

func TestParseMedia(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     string
		token  string
		params map[string]string
	}{
		{`TEXT/Plain; CHARSET="ISO-8859-1"`, "text/plain", map[string]string{"charset": "ISO-8859-1"}},
		{`text/plain; charset="utf-8" format=flowed`, "text/plain", map[string]string{"charset": "utf-8", "format": "flowed"}},
		{`text/plain; charset=utf-8 format=flowed`, "text/plain", map[string]string{"charset": "utf-8", "format": "flowed"}},
		{`attachment; filename=my file.pdf`, "attachment", map[string]string{"filename": "my file.pdf"}},
		{`attachment; filename="a.pdf"; filename="b.pdf"`, "attachment", map[string]string{"filename": "a.pdf"}},
		{`attachment;filename="a.pdf";;`, "attachment", map[string]string{"filename": "a.pdf"}},
		{`attachment; filename="r\"q\\.txt"`, "attachment", map[string]string{"filename": `r"q\.txt`}},
		{`attachment; filename="C:\dir\a.txt"`, "attachment", map[string]string{"filename": `C:\dir\a.txt`}},
		{`attachment; filename*=iso-8859-1''r%E9sum%E9.pdf`, "attachment", map[string]string{"filename": "résumé.pdf"}},
		{`attachment; filename="old.pdf"; filename*=UTF-8''n%C3%AAw.pdf`, "attachment", map[string]string{"filename": "nêw.pdf"}},
		{`attachment; filename*1="b.txt"; filename*0="a"`, "attachment", map[string]string{"filename": "ab.txt"}},
		{`attachment; filename="=?utf-8?q?J=C3=B6rg.txt?="`, "attachment", map[string]string{"filename": "Jörg.txt"}},
		{`multipart/mixed; boundary="=_abc"`, "multipart/mixed", map[string]string{"boundary": "=_abc"}},
		{`inline`, "inline", nil},
	} {
		p := &parser{msg: newTestMessage()}
		got := p.parseMediaParams("test", tc.in)
		require.Equal(t, tc.token, got.token, tc.in)
		var params map[string]string
		for i := range got.params.n {
			if params == nil {
				params = map[string]string{}
			}
			params[got.params.at(i).name] = got.params.at(i).value
		}
		require.Equal(t, tc.params, params, tc.in)
		require.Empty(t, p.msg.Problems, tc.in)
	}
}

func TestMsgIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"<a@b>", []string{"a@b"}},
		{"<a@b> <c@d>\t<e@f>", []string{"a@b", "c@d", "e@f"}},
		{"<a@b>,<c@d>", []string{"a@b", "c@d"}},
		{"a@b", []string{"a@b"}},
		{"<a@b> (comment)", []string{"a@b"}},
		{`Your message of "Mon" <a@b>`, []string{"a@b"}},
		{"< a@b >", []string{"a@b"}},
		{"<a@b", []string{"a@b"}},
		{"no id here", nil},
		{"<>", nil},
	} {
		require.Equal(t, tc.want, appendMsgIDs(nil, tc.in), tc.in)
	}
}

func TestCleanLine(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a b   c", cleanLine(" a\tb\r\n c ")) // CR and LF each become a space
	require.Equal(t, "x\uFFFDy", cleanLine("x\xffy"))
	require.Equal(t, "nul here", cleanLine("nul\x00here"))
	require.Equal(t, "notes.txt", cleanFilename(`C:\Users\bob\notes.txt`))
	require.Equal(t, "passwd", cleanFilename("../../etc/passwd"))
}

func TestSubjectFilename(t *testing.T) {
	t.Parallel()
	require.Equal(t, "Re: a_b_c.eml", subjectFilename(`Re: a/b\c`))
	require.Equal(t, "message.eml", subjectFilename("  "))
	long := subjectFilename(strings.Repeat("é", 150)) // 300 bytes
	require.Equal(t, strings.Repeat("é", 100)+".eml", long)
}
