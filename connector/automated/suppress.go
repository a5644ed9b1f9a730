package automated

import (
	"strings"

	"github.com/ucsp/integration/connector"
)

// AutoReplySuppressed reports whether the sender of a message with
// header h asked not to be answered automatically, or the message is of
// a kind an automatic responder must not answer, and why. The loop
// guard of automated sends honours it; Classify does not count it,
// since people's mail carries such requests too.
//
// It says yes for:
//   - X-Auto-Response-Suppress naming All, OOF or AutoReply: Exchange's
//     request ([MS-OXCMAIL] §2.1.3.2.20; its DR, NDR, RN and NRN values
//     are about delivery and read reports, not replies);
//   - Auto-Submitted with any value but "no": RFC 3834 §2, automatic
//     responses SHOULD NOT be issued in answer to it;
//   - Precedence (or X-Precedence) bulk, junk, list or auto_reply, and
//     List-Id: RFC 3834 §2 lets a responder decline mail that looks sent
//     to a list or in bulk, which Exchange and vacation programs do;
//   - Return-Path: <>: there is no one to answer (RFC 3834 answers the
//     Return-Path only, and never a null one).
func AutoReplySuppressed(h connector.Header) (reason string, suppressed bool) {
	for _, v := range h[canonical("X-Auto-Response-Suppress")] {
		for tok := range strings.SplitSeq(v, ",") {
			switch strings.ToLower(strings.TrimSpace(tok)) {
			case "all", "oof", "autoreply":
				return "X-Auto-Response-Suppress: " + clip(v), true
			}
		}
	}
	if v := h.Get("Auto-Submitted"); v != "" {
		if kw := keyword(v); kw != "no" && kw != "" {
			return "Auto-Submitted: " + clip(v), true
		}
	}
	for _, name := range []string{"Precedence", "X-Precedence"} {
		v := h.Get(name)
		switch keyword(v) {
		case "bulk", "junk", "list", "auto_reply":
			return name + ": " + clip(v), true
		}
	}
	if v := h.Get("List-Id"); strings.TrimSpace(v) != "" {
		return "List-Id: " + clip(v), true
	}
	if isNullReturnPath(h) {
		return "Return-Path: <>", true
	}
	return "", false
}
