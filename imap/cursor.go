package imap

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/uidset"
)

// The cursor is "imap1:" followed by the base64url (unpadded) JSON of
// cursorJSON: per synced folder, in Config.Folders order,
//
//	{"n":"INBOX","v":1795649242,"u":10000,"m":5678,"s":"1:9998,10000"}
//
// n is the folder; v its UIDVALIDITY; u the highest UID the sync looked
// at (every UID up to u was reported or was gone before it could be); m
// the folder's HIGHESTMODSEQ when the server has CONDSTORE (0 otherwise),
// up to which flag changes were reported; s the UIDs up to u that were
// reported and not reported expunged since, as an IMAP sequence set, so
// that the next sync finds expunges by difference. Ranges keep it small:
// a folder of 100,000 messages with a few hundred deletions is a few
// kilobytes.
//
// A cursor from BackfillCursor adds k, the folder's backfill mark (its
// UIDNEXT when the mark was taken, or when the folder was resynced or
// first synced after it: a UID below k is history), and at the top
// level b: 1 while the backfill runs, 2 once every folder was synced
// past its mark (absent: no mark was taken), and t: the Unix time
// (seconds) of the mark, kept for resyncs. A folder resynced from a
// cursor with t has r: true, and a UID below its k is then history only
// if the message's INTERNALDATE is before t (see Sync). A cursor written
// before t existed has none, and its resyncs keep the UID rule alone.
const cursorPrefix = "imap1:"

type cursorJSON struct {
	Folders  []folderJSON `json:"f"`
	Backfill uint8        `json:"b,omitempty"`
	MarkTime int64        `json:"t,omitempty"`
}

// cursorHead is what a cursor says besides its folders.
type cursorHead struct {
	backfill uint8 // backfillNone, backfillRunning or backfillDone
	// markTime is the Unix time (seconds) of the backfill mark, 0 when
	// none was kept.
	markTime int64
}

// The backfill states of a cursor.
const (
	backfillNone    uint8 = iota // no mark taken: nothing is history
	backfillRunning              // the history is being reported
	backfillDone                 // it was; BackfillDone was set
)

type folderJSON struct {
	Name        string `json:"n"`
	UIDValidity uint32 `json:"v"`
	LastUID     uint32 `json:"u,omitempty"`
	ModSeq      uint64 `json:"m,omitempty"`
	UIDs        string `json:"s,omitempty"`
	Mark        uint32 `json:"k,omitempty"`
	ByTime      bool   `json:"r,omitempty"`
}

// folderState is a folder's part of the cursor, decoded.
type folderState struct {
	name        string
	uidValidity uint32
	lastUID     uint32
	modSeq      uint64
	uids        uidset.Set
	mark        uint32 // UIDs below it are history
	// byTime: the mark is a resync's, and a UID below it is history
	// only if the message's INTERNALDATE is before the cursor's mark
	// time.
	byTime bool
}

func (f *folderState) clone() *folderState {
	c := *f
	c.uids = f.uids.Clone()
	return &c
}

func (f *folderState) equal(g *folderState) bool {
	return f.name == g.name && f.uidValidity == g.uidValidity && f.lastUID == g.lastUID &&
		f.modSeq == g.modSeq && f.mark == g.mark && f.byTime == g.byTime && uidset.Equal(f.uids, g.uids)
}

var errCursor = errors.New("not a cursor of the imap connector")

// decodeCursor reads a cursor into its folder states, by folder name.
// The zero cursor is an empty map.
func decodeCursor(c connector.Cursor) (map[string]*folderState, error) {
	out, _, err := readCursor(c)
	return out, err
}

// readCursor is decodeCursor that also returns the cursor's head.
func readCursor(c connector.Cursor) (map[string]*folderState, cursorHead, error) {
	out := map[string]*folderState{}
	if c.IsZero() {
		return out, cursorHead{}, nil
	}
	s, ok := strings.CutPrefix(string(c), cursorPrefix)
	if !ok {
		return nil, cursorHead{}, errCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, cursorHead{}, fmt.Errorf("%w: %v", errCursor, err)
	}
	var cj cursorJSON
	if err := json.Unmarshal(b, &cj); err != nil {
		return nil, cursorHead{}, fmt.Errorf("%w: %v", errCursor, err)
	}
	if cj.Backfill > backfillDone || cj.MarkTime < 0 {
		return nil, cursorHead{}, fmt.Errorf("%w: bad backfill state %d, mark time %d", errCursor, cj.Backfill, cj.MarkTime)
	}
	for _, f := range cj.Folders {
		uids, err := uidset.Parse(f.UIDs)
		if err != nil || f.Name == "" || f.UIDValidity == 0 || uids.Max() > f.LastUID {
			return nil, cursorHead{}, fmt.Errorf("%w: bad folder %q", errCursor, f.Name)
		}
		out[f.Name] = &folderState{name: f.Name, uidValidity: f.UIDValidity, lastUID: f.LastUID, modSeq: f.ModSeq, uids: uids,
			mark: f.Mark, byTime: f.ByTime && cj.MarkTime > 0}
	}
	return out, cursorHead{backfill: cj.Backfill, markTime: cj.MarkTime}, nil
}

// encodeCursor writes the states of the folders, in order; nil states
// (folders not synced yet) are left out.
func encodeCursor(folders []*folderState) connector.Cursor {
	return writeCursor(folders, cursorHead{})
}

// writeCursor is encodeCursor with a head.
func writeCursor(folders []*folderState, head cursorHead) connector.Cursor {
	cj := cursorJSON{Folders: make([]folderJSON, 0, len(folders)), Backfill: head.backfill, MarkTime: head.markTime}
	for _, f := range folders {
		if f == nil {
			continue
		}
		cj.Folders = append(cj.Folders, folderJSON{Name: f.name, UIDValidity: f.uidValidity, LastUID: f.lastUID, ModSeq: f.modSeq, UIDs: f.uids.String(), Mark: f.mark, ByTime: f.byTime})
	}
	b, err := json.Marshal(cj)
	if err != nil {
		panic("imap: encoding a cursor: " + err.Error()) // cannot happen: plain structs
	}
	return connector.Cursor(cursorPrefix + base64.RawURLEncoding.EncodeToString(b))
}
