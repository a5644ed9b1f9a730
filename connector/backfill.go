package connector

import "context"

// Backfiller is a connector that tells a mailbox's history from its new
// mail. Discover it with a type assertion, as every capability.
//
// The history of an integration is what its mailbox held when the
// integration was created: it is stored, but a platform that answers
// incoming mail must not be told of it as if it had just arrived. The
// caller takes a mark when the integration is created (BackfillCursor)
// and hands it to Sync as the starting cursor instead of the zero
// Cursor. A Sync from the mark reports everything the mailbox holds, as
// a Sync from the zero Cursor does, but the messages the mailbox held at
// the mark carry Message.History, and the batch that reports the last of
// them has Batch.BackfillDone set. Mail that arrived after the mark,
// whenever the sync reports it (during the first round too), does not
// carry History.
//
// Each provider cuts where it can:
//   - IMAP: each synced folder's UIDNEXT (with its UIDVALIDITY) at the
//     mark; a UID below it is history. A folder first synced later (added
//     to the settings) has its UIDNEXT then as its mark.
//   - Gmail: the profile's historyId at the mark. A message found by the
//     listing is history unless a history record after the mark shows it
//     added (records, not the message's own historyId, which label
//     changes move).
//   - Graph, which has no watermark: the time of the mark. A message
//     whose receivedDateTime is after it is new mail, any other history,
//     in the first delta round as in any later one.
//
// A resync (an IMAP UIDVALIDITY change, a Gmail historyId Gmail no
// longer has, a Graph delta link gone) reports as History what it
// re-finds: on IMAP what the folder holds that was received
// (INTERNALDATE) before the mark, or everything it holds when the
// cursor kept no mark time, on Gmail
// what the resync's listing finds that no history record shows added
// after it started, on Graph what was received before the mark.
// BackfillDone is set once per mark, never by a resync.
type Backfiller interface {
	Syncer
	// BackfillCursor returns a cursor at the mailbox's present position
	// that remembers it as the mark: a Sync from it reports the whole
	// mailbox, marking the history. It does not change the mailbox.
	BackfillCursor(ctx context.Context) (Cursor, error)
}
