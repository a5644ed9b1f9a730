package outlook

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/ucsp/integration/connector"
)

// A cursor is where a sync stands in each synced folder:
//
//	outlook1:<base64url of {"f":[{"id":"inbox","l":"<link>","d":true}, ...]}>
//
// where l is the folder's @odata.deltaLink (d true: the folder's round
// is complete) or the @odata.nextLink to continue a round from (d
// false); a folder without l has not been synced yet. A cursor with a
// backfill mark (BackfillCursor, or a resync) adds m, the mark's Unix
// time (a message received before it is history), and b: 1 while the
// first round of every folder runs, 2 once it is over. r holds the
// "@removed" entries found in this sync's rounds and not reported yet,
// as [{"i":"<message id>","f":"<folder>"}, ...] (at most
// maxHeldRemovals; see removal).
type cursor struct {
	Folders  []folderCursor `json:"f"`
	Mark     int64          `json:"m,omitempty"`
	Backfill uint8          `json:"b,omitempty"`
	Removed  []removal      `json:"r,omitempty"`
}

// The backfill states of a cursor.
const (
	backfillNone    uint8 = iota // no mark taken
	backfillRunning              // the first rounds run
	backfillDone                 // they are over; BackfillDone was set
)

type folderCursor struct {
	ID   string `json:"id"`
	Link string `json:"l,omitempty"`
	Done bool   `json:"d,omitempty"`
}

const cursorPrefix = "outlook1:"

var errBadCursor = errors.New("not an outlook cursor")

func (c cursor) encode() connector.Cursor {
	b, _ := json.Marshal(c) // plain strings and bools: cannot fail
	return connector.Cursor(cursorPrefix + base64.RawURLEncoding.EncodeToString(b))
}

func parseCursor(c connector.Cursor) (cursor, error) {
	rest, ok := strings.CutPrefix(string(c), cursorPrefix)
	if !ok {
		return cursor{}, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return cursor{}, errBadCursor
	}
	var out cursor
	if err := json.Unmarshal(b, &out); err != nil {
		return cursor{}, errBadCursor
	}
	return out, nil
}

// align returns c's state for each of folders, in their order: a folder
// c does not know starts from scratch, one c has but folders do not is
// dropped. Held removals are kept, also those of a dropped folder (its
// messages are still gone from it).
func (c cursor) align(folders []string) cursor {
	out := cursor{Folders: make([]folderCursor, len(folders)), Mark: c.Mark, Backfill: c.Backfill, Removed: c.Removed}
	for i, f := range folders {
		out.Folders[i] = folderCursor{ID: f}
		for _, have := range c.Folders {
			if strings.EqualFold(have.ID, f) {
				out.Folders[i] = have
				out.Folders[i].ID = f
			}
		}
	}
	return out
}

// DeltaLinks returns the delta (or next) link a cursor of this package
// holds for each folder, and whether c is one: for logs and support.
func DeltaLinks(c connector.Cursor) (map[string]string, bool) {
	p, err := parseCursor(c)
	if err != nil {
		return nil, false
	}
	out := make(map[string]string, len(p.Folders))
	for _, f := range p.Folders {
		out[f.ID] = f.Link
	}
	return out, true
}
