package gmailtest

import (
	"slices"
	"strings"
)

// normLabels returns labels upper-cased when they are system labels,
// without duplicates, sorted.
func normLabels(labels []string) []string {
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		if u := strings.ToUpper(l); isSystemLabel(u) {
			l = u
		}
		out = append(out, l)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isSystemLabel(l string) bool {
	switch l {
	case LabelInbox, LabelSent, LabelUnread, LabelDraft, LabelSpam, LabelTrash, "STARRED", "IMPORTANT",
		"CHAT", "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS":
		return true
	}
	return false
}

// sameSubject compares subjects as Gmail's threading does: without
// "Re:", "Fwd:" and "Fw:" prefixes, case and surrounding space.
func sameSubject(a, b string) bool { return baseSubject(a) == baseSubject(b) }

func baseSubject(s string) string {
	s = strings.TrimSpace(s)
	for {
		l := strings.ToLower(s)
		cut := false
		for _, p := range []string{"re:", "fwd:", "fw:", "aw:", "wg:"} {
			if strings.HasPrefix(l, p) {
				s, cut = strings.TrimSpace(s[len(p):]), true
				break
			}
		}
		if !cut {
			return strings.ToLower(s)
		}
	}
}

func snippet(text string) string {
	f := strings.Join(strings.Fields(text), " ")
	if r := []rune(f); len(r) > 100 {
		f = string(r[:100])
	}
	return f
}
