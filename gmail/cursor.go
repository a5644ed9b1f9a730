package gmail

import (
	"errors"
	"strconv"
	"strings"

	"github.com/ucsp/integration/connector"
)

// A cursor is where a sync stands, in one of two states:
//
//	gmail1:h:<historyId>[:<since>]    incremental: history after historyId
//	gmail1:f:<historyId>:<pageToken>  a full sync in progress: the rest of
//	                                  messages.list from pageToken, then
//	                                  history after historyId (read from the
//	                                  profile before the listing started)
//	gmail1:b:<historyId>:<since>:[pageToken]
//	                                  a backfill: a full sync from the mark
//	                                  historyId (BackfillCursor) that tells
//	                                  history from new mail by the history
//	                                  records after it
//	gmail1:r:<historyId>:<since>:[pageToken]
//	                                  a resync's full sync, which tells
//	                                  them apart the same way, and by since
//
// since, when not 0, is the Unix time of the backfill mark, kept for a
// resync: a message it re-finds that was received after since is new
// mail (one the caller has stored already it stores once).
type cursor struct {
	historyID uint64
	full      bool
	pageToken string
	// mark is 'b' (a backfill) or 'r' (a resync) for a full sync that
	// marks history, 0 otherwise.
	mark  byte
	since int64
}

const cursorPrefix = "gmail1:"

var errBadCursor = errors.New("not a gmail cursor")

func (c cursor) encode() connector.Cursor {
	id := strconv.FormatUint(c.historyID, 10)
	since := strconv.FormatInt(c.since, 10)
	if c.full && c.mark != 0 {
		return connector.Cursor(cursorPrefix + string(c.mark) + ":" + id + ":" + since + ":" + c.pageToken)
	}
	if c.full {
		return connector.Cursor(cursorPrefix + "f:" + id + ":" + c.pageToken)
	}
	if c.since != 0 {
		return connector.Cursor(cursorPrefix + "h:" + id + ":" + since)
	}
	return connector.Cursor(cursorPrefix + "h:" + id)
}

func parseCursor(c connector.Cursor) (cursor, error) {
	rest, ok := strings.CutPrefix(string(c), cursorPrefix)
	if !ok {
		return cursor{}, errBadCursor
	}
	kind, rest, _ := strings.Cut(rest, ":")
	var out cursor
	var idText string
	var sinceText string
	switch kind {
	case "h":
		idText, sinceText, _ = strings.Cut(rest, ":")
	case "f":
		var tok string
		idText, tok, ok = strings.Cut(rest, ":")
		if !ok || tok == "" {
			return cursor{}, errBadCursor
		}
		out.full, out.pageToken = true, tok
	case "b", "r":
		var more string
		idText, more, ok = strings.Cut(rest, ":")
		if !ok {
			return cursor{}, errBadCursor
		}
		if sinceText, out.pageToken, ok = strings.Cut(more, ":"); !ok {
			return cursor{}, errBadCursor
		}
		out.full, out.mark = true, kind[0]
	default:
		return cursor{}, errBadCursor
	}
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil || id == 0 {
		return cursor{}, errBadCursor
	}
	out.historyID = id
	if sinceText != "" {
		if out.since, err = strconv.ParseInt(sinceText, 10, 64); err != nil || out.since < 0 {
			return cursor{}, errBadCursor
		}
	}
	return out, nil
}

// HistoryID returns the historyId a cursor of this package syncs from,
// and whether c is one: the server compares it with a push
// notification's (see NeedsSync).
func HistoryID(c connector.Cursor) (uint64, bool) {
	p, err := parseCursor(c)
	if err != nil {
		return 0, false
	}
	return p.historyID, true
}
