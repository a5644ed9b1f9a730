package mime

import (
	"strings"
	"time"
)

// Dates: RFC 5322 §3.3 with its obsolete forms, and the variants real
// mailers write (no zone, a zone name after the offset, "+02:00", asctime,
// ISO 8601). Zone names are mapped by RFC 5322's table, not by the local
// time zone database, so results do not depend on the machine.

// zoneNames are the obs-zone names of RFC 5322 §4.3 plus UTC. Any other
// alphabetic zone means -0000 (unknown) per the RFC.
var zoneNames = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
}

// dateLayouts are tried in order on the normalised date (day name and
// comments removed, zone numeric).
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -07:00",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"2-Jan-2006 15:04:05 -0700",
	"Jan 2 2006 15:04:05 -0700",
	"Jan 2 15:04:05 2006",
	"Jan 2 15:04:05 -0700 2006",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05",
}

// parseDate parses a Date value. ok is false when it cannot, or when the
// result is out of the range a database and JSON can hold (years 1 to
// 9999, offsets within ±24 hours).
func parseDate(v string) (time.Time, bool) {
	if t, ok := parseDateFast(v); ok {
		return t, true
	}
	return parseDateLayouts(v)
}

// parseDateLayouts is parseDate without its fast path.
func parseDateLayouts(v string) (time.Time, bool) {
	s := normaliseDate(v)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		_, off := t.Zone()
		if t.Year() < 1 || t.Year() > 9999 || off <= -24*3600 || off >= 24*3600 {
			return time.Time{}, false
		}
		// time.Parse may name the zone after the machine's local zone;
		// keep only the offset.
		if off == 0 {
			return t.UTC(), true
		}
		return t.In(time.FixedZone("", off)), true
	}
	return time.Time{}, false
}

// normaliseDate removes comments, the day name and extra spaces, and turns
// an alphabetic zone into an offset ("+0000 (UTC)" → "+0000",
// "Mon, 2 Jan 2006 15:04:05 EST" → "2 Jan 2006 15:04:05 -0500").
func normaliseDate(v string) string {
	if strings.IndexByte(v, '(') >= 0 {
		var b strings.Builder
		depth := 0
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case c == '(':
				depth++
			case c == ')' && depth > 0:
				depth--
			case depth == 0:
				b.WriteByte(c)
			}
		}
		v = b.String()
	}
	fields := strings.Fields(strings.ReplaceAll(v, ",", " "))
	if len(fields) == 0 {
		return ""
	}
	if isAlpha(fields[0]) && len(fields[0]) >= 3 && !isMonth(fields[0]) {
		fields = fields[1:] // day name: "Mon", "Monday"
	}
	if n := len(fields); n >= 2 && isAlpha(fields[n-1]) && isOffset(fields[n-2]) {
		fields = fields[:n-1] // "+0000 GMT"
	}
	for i, f := range fields {
		if i < 3 || !isAlpha(f) {
			continue
		}
		z, ok := zoneNames[strings.ToUpper(f)]
		if !ok {
			z = "-0000"
		}
		fields[i] = z
	}
	return strings.Join(fields, " ")
}

func isAlpha(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isMonth(s string) bool {
	if len(s) < 3 {
		return false
	}
	switch strings.ToLower(s[:3]) {
	case "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec":
		return true
	}
	return false
}

func isOffset(s string) bool {
	if len(s) != 5 || (s[0] != '+' && s[0] != '-') {
		return false
	}
	for i := 1; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// shortMonths are the month names parseDateFast reads, as mailers write
// them.
var shortMonths = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseDateFast reads the date almost every mailer writes, RFC 5322's
// "Mon, 2 Jan 2006 15:04:05 -0700" (day name optional, day of one or two
// digits), to what parseDate's first layout gives for it. It reports
// false for anything else, and for values out of the usual ranges, which
// are left to the general path.
func parseDateFast(v string) (time.Time, bool) {
	if len(v) >= 5 && v[3] == ',' && v[4] == ' ' {
		switch v[:3] {
		case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
			v = v[5:]
		default:
			return time.Time{}, false
		}
	}
	// D[D] Mon YYYY HH:MM:SS +HHMM
	day, ok := 0, false
	switch {
	case len(v) == 25 && v[1] == ' ':
		day, ok = digits(v[:1])
		v = v[2:]
	case len(v) == 26 && v[2] == ' ':
		day, ok = digits(v[:2])
		v = v[3:]
	}
	if !ok || v[3] != ' ' || v[8] != ' ' || v[11] != ':' || v[14] != ':' || v[17] != ' ' || (v[18] != '+' && v[18] != '-') {
		return time.Time{}, false
	}
	month := 0
	for i, m := range shortMonths {
		if v[:3] == m {
			month = i + 1
			break
		}
	}
	year, ok1 := digits(v[4:8])
	hour, ok2 := digits(v[9:11])
	minute, ok3 := digits(v[12:14])
	sec, ok4 := digits(v[15:17])
	zh, ok5 := digits(v[19:21])
	zm, ok6 := digits(v[21:23])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || month == 0 || year < 1 ||
		day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 || zh > 23 || zm > 59 {
		return time.Time{}, false
	}
	off := (zh*60 + zm) * 60
	if v[18] == '-' {
		off = -off
	}
	if off == 0 {
		return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.FixedZone("", off)), true
}

// digits reads s, ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
