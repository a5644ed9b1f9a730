package outlook

import "github.com/ucsp/integration/connector"

// maxHeldRemovals bounds the removals a cursor holds (cursor.Removed):
// an immutable id is about 150 characters, so a cursor holding them all
// stays under about 250 KB. Removals found beyond it are not held: they
// are reported in the batch of the delta page that found them, still
// scoped to their folder (see removal).
const maxHeldRemovals = 1000

// A removal is an "@removed" entry of a folder's delta round that Sync
// holds until every folder's round of the sync has been handed out.
//
// A message moved by someone from one synced folder to another keeps
// its immutable id: the source folder's round reports it removed, the
// target's reports it again. Reported at once, the removal of a source
// synced before the target would delete the message, which
// the target's round would then bring back: a deletion and a new
// message instead of one change of folders. So removals are held in the
// cursor (crash-safe: a sync interrupted after the source's delta link
// was committed still has them) and reported, folder-scoped, in a last
// batch once every folder's round has been handed out; a message a
// later page reports again drops its held removals.
type removal struct {
	ID     string `json:"i"`
	Folder string `json:"f"`
}

// change is the removal as the ChangeDeleted that reports it: scoped to
// the folder the message left, so that a caller that has seen the
// message in another folder keeps it.
func (r removal) change() connector.Change {
	return connector.Change{Kind: connector.ChangeDeleted, ProviderID: r.ID, Folder: r.Folder, Reason: "removed from " + r.Folder}
}

// hold records the removals of a page whose messages are msgs, and
// returns those beyond maxHeldRemovals, to report in the page's batch.
// The page's messages first drop the held removals of their ids.
func (c *cursor) hold(removed []removal, msgs []*connector.Message) []connector.Change {
	if len(c.Removed) > 0 && len(msgs) > 0 {
		back := make(map[string]bool, len(msgs))
		for _, m := range msgs {
			back[m.ProviderID] = true
		}
		kept := c.Removed[:0]
		for _, r := range c.Removed {
			if !back[r.ID] {
				kept = append(kept, r)
			}
		}
		clear(c.Removed[len(kept):])
		c.Removed = kept
	}
	var now []connector.Change
	for _, r := range removed {
		switch {
		case c.holds(r):
		case len(c.Removed) < maxHeldRemovals:
			c.Removed = append(c.Removed, r)
		default:
			now = append(now, r.change())
		}
	}
	return now
}

// holds reports whether r is held already.
func (c *cursor) holds(r removal) bool {
	for _, h := range c.Removed {
		if h == r {
			return true
		}
	}
	return false
}

// release returns the held removals as changes and clears them.
func (c *cursor) release() []connector.Change {
	out := make([]connector.Change, 0, len(c.Removed))
	for _, r := range c.Removed {
		out = append(out, r.change())
	}
	c.Removed = nil
	return out
}
