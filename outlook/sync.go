package outlook

import (
	"context"
	"fmt"
	"strconv"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/ucsp/integration/connector"
)

// deltaSelect are the properties a delta page asks for: enough to
// normalise a message whose body comes from its MIME ($value).
var deltaSelect = []string{"id", "internetMessageId", "conversationId", "receivedDateTime", "isRead", "isDraft", "flag", "parentFolderId"}

// Sync pulls what changed in each of Config.Folders since cursor with a
// delta query per folder (GET /me/mailFolders/{id}/messages/delta,
// Prefer: odata.maxpagesize=BatchSize), one batch per page: the page's
// new or changed messages, fetched as MIME ($value) and parsed by the
// module's parser. Each batch's cursor holds the page's
// @odata.nextLink, or at the end of a folder its @odata.deltaLink, so a
// sync interrupted after any batch resumes from the next page.
//
// A page's "@removed" entries are held in the cursor and reported as
// ChangeDeleted scoped to their folder (Change.Folder) in a last batch,
// after every folder's round: a message moved between synced folders
// keeps its immutable id and is reported in its new folder first, so
// the caller keeps it (see removal; beyond maxHeldRemovals they
// are reported in their page's batch).
//
// A delta link Graph no longer knows (410 Gone, or code
// syncStateNotFound) starts that folder over; the first batch of the
// new round carries a ChangeResync for the folder. An unreadable cursor
// starts every folder over, with a ChangeResync for the whole mailbox.
// Graph may report a change twice; callers upsert by ProviderID.
func (c *Connector) Sync(ctx context.Context, cur connector.Cursor, fn connector.BatchFunc) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("outlook: sync: %w", err)
	}
	st, err := parseCursor(cur)
	var pending []connector.Change
	if !cur.IsZero() && err != nil {
		pending = append(pending, connector.Change{Kind: connector.ChangeResync, Reason: "unreadable cursor"})
		st.Mark = c.resyncMark()
	}
	st = st.align(c.cfg.Folders)
	last := cur
	for i := range st.Folders {
		if err := c.syncFolder(ctx, &st, i, &pending, &last, fn); err != nil {
			return err
		}
	}
	if len(st.Removed) == 0 {
		return nil
	}
	b := &connector.Batch{Changes: append(pending, st.release()...)}
	b.Cursor = st.encode()
	return fn(ctx, b)
}

// syncFolder runs folder i's delta round to its delta link.
func (c *Connector) syncFolder(ctx context.Context, st *cursor, i int, pending *[]connector.Change, last *connector.Cursor, fn connector.BatchFunc) error {
	f := &st.Folders[i]
	for {
		page, err := c.deltaPage(ctx, f.ID, f.Link)
		if err != nil && f.Link != "" && isSyncStateLost(err) {
			c.log.InfoContext(ctx, "outlook: delta link no longer valid, syncing the folder again", "folder", f.ID, "error", err)
			*f = folderCursor{ID: f.ID}
			*pending = append(*pending, connector.Change{Kind: connector.ChangeResync, Folder: f.ID, Reason: "delta token expired or unknown (410 syncStateNotFound)"})
			if st.Mark == 0 {
				st.Mark = c.resyncMark() // what the new round re-finds is history
			}
			continue
		}
		if err != nil {
			return err
		}
		b := &connector.Batch{Changes: *pending}
		var fetch []models.Messageable
		var removed []removal
		for _, m := range page.GetValue() {
			if _, gone := m.GetAdditionalData()["@removed"]; gone {
				removed = append(removed, removal{ID: deref(m.GetId()), Folder: f.ID})
				continue
			}
			fetch = append(fetch, m)
		}
		if b.Messages, err = c.fetchMessages(ctx, f.ID, fetch); err != nil {
			return err
		}
		st.markHistory(b.Messages)
		b.Changes = append(b.Changes, st.hold(removed, b.Messages)...)
		if next := deref(page.GetOdataNextLink()); next != "" {
			f.Link, f.Done = next, false
		} else if delta := deref(page.GetOdataDeltaLink()); delta != "" {
			f.Link, f.Done = delta, true
		} else {
			return connector.PermanentError("outlook: delta", fmt.Errorf("a page of folder %s has neither @odata.nextLink nor @odata.deltaLink", f.ID))
		}
		if f.Done && st.Backfill == backfillRunning && st.roundsDone() {
			b.BackfillDone, st.Backfill = true, backfillDone
		}
		b.Cursor = st.encode()
		if b.Len() > 0 || b.Cursor != *last {
			if err := fn(ctx, b); err != nil {
				return err
			}
			*last = b.Cursor
		}
		*pending = nil
		if f.Done {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("outlook: sync: %w", err)
		}
	}
}

// deltaPage gets one delta page of folder: the first of a round when
// link is "", else the page link names.
func (c *Connector) deltaPage(ctx context.Context, folder, link string) (users.ItemMailFoldersItemMessagesDeltaGetResponseable, error) {
	h := abs.NewRequestHeaders()
	h.Add("Prefer", "odata.maxpagesize="+strconv.Itoa(c.cfg.BatchSize))
	rb := c.me().MailFolders().ByMailFolderId(folder).Messages().Delta()
	cfg := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{Headers: h}
	if link != "" {
		rb = rb.WithUrl(link)
	} else {
		cfg.QueryParameters = &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetQueryParameters{Select: deltaSelect}
	}
	page, err := rb.GetAsDeltaGetResponse(ctx, cfg)
	if err != nil {
		return nil, classify("outlook: delta "+folder, err)
	}
	return page, nil
}
