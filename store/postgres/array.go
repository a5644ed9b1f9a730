package postgres

import "strings"

// textArray writes ss as a PostgreSQL array literal ({"a","b"}), for a
// text[] that travels as one element of a text[] column of unnest: an
// array of arrays of different lengths cannot travel as a text[][].
// Every element is quoted, with '"' and '\' escaped, so any text reads
// back as it was.
func textArray(ss []string) string {
	if len(ss) == 0 {
		return "{}"
	}
	var b strings.Builder
	n := 2
	for _, s := range ss {
		n += len(s) + 3
	}
	b.Grow(n)
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if c := s[j]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
