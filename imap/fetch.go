package imap

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/uidset"
	"github.com/ucsp/integration/internal/mime"
)

// newMessageItems is what a sync fetches of each new message. BODY.PEEK
// leaves \Seen alone.
var newMessageItems = &imap.FetchOptions{
	UID:          true,
	Flags:        true,
	InternalDate: true,
	RFC822Size:   true,
	BodySection:  []*imap.FetchItemBodySection{{Peek: true}},
}

// The sync pipeline. One goroutine (fetchLoop) sends a UID FETCH per
// batch, keeping two in flight so that the server never waits for a
// round trip. Each command in flight has a reader goroutine: the server
// may start answering the second before the first's tagged OK, and
// go-imap's reader blocks until each literal is read, so a command's
// answers must be read as they come. A reader reads each message's
// literal into a buffer that grows with the bytes that arrive (see
// literals: a message over Config.MaxMessageBytes keeps its header only)
// and hands it to the parse workers (Config.ParseWorkers goroutines running mime.Parse). The
// caller's goroutine receives the batches in order, waits until all of a
// batch's messages are parsed, puts them in UID order and calls the
// BatchFunc while the next batches are fetched and parsed. Bounded
// channels keep at most about four batches ahead of the caller. Every
// goroutine ends before run returns.

// pipeline fetches new messages of one folder.
type pipeline struct {
	c           *Connector
	cn          *conn
	folder      string
	uidValidity uint32
	bufs        *bufCache
}

// pendingBatch is one UID FETCH's messages on their way through the
// pipeline.
type pendingBatch struct {
	chunk uidset.Set // the UIDs asked for
	// Filled by the fetcher (uids) and the workers (msgs), by arrival
	// index; read after done is closed.
	uids []uint32
	msgs []*connector.Message
	err  error // set by the fetcher before its last release

	pending atomic.Int32 // messages being parsed, +1 while fetching
	done    chan struct{}
}

func newPendingBatch(chunk uidset.Set) *pendingBatch {
	n := chunk.Len()
	pb := &pendingBatch{chunk: chunk, uids: make([]uint32, 0, n), msgs: make([]*connector.Message, n), done: make(chan struct{})}
	pb.pending.Store(1)
	return pb
}

// release ends one piece of work on pb; the last one closes done.
func (pb *pendingBatch) release() {
	if pb.pending.Add(-1) == 0 {
		close(pb.done)
	}
}

// messages returns the batch's messages in UID order.
func (pb *pendingBatch) messages() []*connector.Message {
	type pair struct {
		uid uint32
		msg *connector.Message
	}
	ps := make([]pair, 0, len(pb.uids))
	for i, uid := range pb.uids {
		if pb.msgs[i] != nil {
			ps = append(ps, pair{uid, pb.msgs[i]})
		}
	}
	byUID := func(a, b pair) int { return cmp.Compare(a.uid, b.uid) }
	if !slices.IsSortedFunc(ps, byUID) {
		slices.SortFunc(ps, byUID)
	}
	out := make([]*connector.Message, len(ps))
	for i, p := range ps {
		out[i] = p.msg
	}
	return out
}

// markHistory sets History on the batch's messages below the folder's
// mark and, when the mark is a resync's (byTime), received (INTERNALDATE)
// before markTime, the Unix time of the integration's mark. A message
// without a date below the mark is history.
func (pb *pendingBatch) markHistory(st *folderState, markTime int64) {
	byTime := st.byTime && markTime > 0
	for i, uid := range pb.uids {
		m := pb.msgs[i]
		if m == nil || uid >= st.mark {
			continue
		}
		m.History = !byTime || m.ReceivedAt.IsZero() || m.ReceivedAt.Unix() < markTime
	}
}

// received returns the UIDs the server sent.
func (pb *pendingBatch) received() uidset.Set {
	u := slices.Clone(pb.uids)
	slices.Sort(u)
	var s uidset.Set
	for _, uid := range u {
		s.Add(uid)
	}
	return s
}

// fetched is one message read from the wire, waiting to be parsed.
type fetched struct {
	pb    *pendingBatch
	idx   int
	uid   uint32
	flags []imap.Flag
	date  time.Time
	size  int64 // RFC822.SIZE
	raw   []byte
	// big: the message's literal announced more than
	// Config.MaxMessageBytes; raw is only its header.
	big       bool
	announced int64
}

// inFlight is how many UID FETCH commands the pipeline keeps in flight.
const inFlight = 2

// run fetches chunks and calls emit for each, in order.
func (p *pipeline) run(ctx context.Context, chunks iter.Seq[uidset.Set], emit func(context.Context, *pendingBatch) error) error {
	const op = "imap: fetch"
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// About as many buffers as messages can be in flight: two commands'
	// worth being read, the parse queue, and the batches waiting.
	p.bufs = newBufCache(inFlight*p.c.cfg.BatchSize + 2*jobSize)
	w := p.cn.watch(pctx)
	batches := make(chan *pendingBatch, 2)
	jobs := make(chan []*fetched, max(1, p.c.cfg.BatchSize/jobSize))
	fetcherDone := make(chan struct{})
	var wg sync.WaitGroup
	var fetchErr error
	wg.Go(func() {
		defer close(fetcherDone)
		defer close(jobs)
		defer close(batches)
		fetchErr = p.fetchLoop(pctx, w, chunks, batches, jobs)
	})
	for range p.c.cfg.ParseWorkers {
		wg.Go(func() {
			for job := range jobs {
				for _, f := range job {
					f.pb.msgs[f.idx] = p.message(f)
					p.bufs.put(f.raw)
					f.raw = nil
					f.pb.release()
				}
			}
		})
	}

	var err error
	complete := true
	for pb := range batches {
		select {
		case <-pb.done:
		case <-pctx.Done():
		}
		if pctx.Err() != nil || pb.err != nil {
			complete = false
			break // fetchErr says why
		}
		if err = emit(ctx, pb); err != nil {
			complete = false
			break
		}
	}
	// If the fetch is over, the connection is clean and may be reused;
	// otherwise cancelling makes the watchdog close it, which unblocks
	// the readers.
	if complete {
		<-fetcherDone // batches is closed: the fetcher is returning
	}
	select {
	case <-fetcherDone:
		w.stopCtx()
	default:
	}
	cancel()
	wg.Go(func() { // let a fetcher blocked on a full channel finish
		for range batches {
		}
	})
	wg.Wait()
	timedOut := w.fired.Load() == firedTimeout
	werr := w.stop(fetchErr)
	where := op + " " + quoteFolder(p.folder)
	switch {
	case err != nil:
		return err // the caller's own error, as is
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, ctx.Err())
	case timedOut:
		return classify(where, werr)
	case fetchErr != nil && !errors.Is(fetchErr, context.Canceled):
		// The cause, not the cancellation it led to.
		return classify(where, fetchErr)
	case werr != nil:
		return classify(where, werr)
	}
	return nil
}

// fetchLoop sends the UID FETCH commands, each with a reader goroutine,
// and returns the first error.
func (p *pipeline) fetchLoop(ctx context.Context, w *watchdog, chunks iter.Seq[uidset.Set], batches chan<- *pendingBatch, jobs chan<- []*fetched) error {
	var (
		readers sync.WaitGroup
		slots   = make(chan struct{}, inFlight)
		mu      sync.Mutex
		first   error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first != nil
	}
loop:
	for chunk := range chunks {
		if failed() {
			break
		}
		pb := newPendingBatch(chunk)
		select {
		case batches <- pb:
		case <-ctx.Done():
			fail(ctx.Err())
			break loop
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			pb.err = ctx.Err()
			pb.release()
			fail(ctx.Err())
			break loop
		}
		var cmd *imapclient.FetchCommand
		if err := p.cn.issue(func() { cmd = p.cn.client.Fetch(chunk.IMAP(), newMessageItems) }); err != nil {
			<-slots
			pb.err = err
			pb.release()
			fail(err)
			break
		}
		readers.Go(func() {
			defer func() { <-slots }()
			litErr, err := p.readBatch(ctx, w, cmd, pb, jobs)
			switch {
			case litErr:
				p.cn.abandon() // see conn.abandon: no draining
			default:
				if err != nil {
					// Aborting: close the connection so that the drain
					// below ends soon.
					p.cn.kill()
				}
				if cerr := cmd.Close(); err == nil { // Close drains what is left
					err = cerr
				}
			}
			if err != nil {
				pb.err = err
				fail(err)
			}
			pb.release()
		})
	}
	readers.Wait()
	return first
}

// jobSize is how many messages a reader hands to the parse workers at
// once: fewer channel operations and goroutine wake-ups than one by one.
const jobSize = 16

// readBatch reads one UID FETCH's messages and queues them for parsing.
// litErr reports an error reading a literal, after which the command
// must not be drained (see conn.abandon).
func (p *pipeline) readBatch(ctx context.Context, w *watchdog, cmd *imapclient.FetchCommand, pb *pendingBatch, jobs chan<- []*fetched) (litErr bool, err error) {
	w.enter()
	defer w.leave()
	lits := &literals{max: p.c.cfg.MaxMessageBytes, bufs: p.bufs, progress: w.progress}
	var job []*fetched
	flush := func() error {
		if len(job) == 0 {
			return nil
		}
		w.leave()
		defer w.enter()
		select {
		case jobs <- job:
			job = nil
			return nil
		case <-ctx.Done():
			for _, f := range job {
				p.bufs.put(f.raw)
				pb.release()
			}
			job = nil
			return ctx.Err()
		}
	}
	for {
		msg := cmd.Next()
		if msg == nil {
			return false, flush()
		}
		w.progress()
		f := &fetched{pb: pb}
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				f.uid = uint32(it.UID)
			case imapclient.FetchItemDataFlags:
				f.flags = it.Flags
			case imapclient.FetchItemDataInternalDate:
				f.date = it.Time
			case imapclient.FetchItemDataRFC822Size:
				f.size = it.Size
			case imapclient.FetchItemDataBodySection:
				if it.Literal == nil {
					continue
				}
				if f.raw != nil { // a second body: keep the last
					p.bufs.put(f.raw)
					f.raw = nil
				}
				var err error
				n := it.Literal.Size()
				if f.big = n > lits.max; f.big {
					f.announced = n
					f.raw, err = lits.header(it.Literal, n)
				} else {
					f.raw, err = lits.all(it.Literal, n)
				}
				if err != nil {
					_ = flush()
					return true, err
				}
				w.progress()
			}
		}
		if f.uid == 0 || !pb.chunk.Contains(f.uid) || f.raw == nil || len(pb.uids) == len(pb.msgs) {
			if f.raw != nil {
				p.bufs.put(f.raw)
			}
			p.c.log.Warn("imap: skipping an unexpected FETCH answer", "folder", p.folder, "uid", f.uid)
			continue
		}
		f.idx = len(pb.uids)
		pb.uids = append(pb.uids, f.uid)
		pb.pending.Add(1)
		if job == nil {
			job = make([]*fetched, 0, jobSize)
		}
		job = append(job, f)
		if len(job) == jobSize {
			if err := flush(); err != nil {
				return false, err
			}
		}
	}
}

// message parses a fetched message into a connector.Message.
func (p *pipeline) message(f *fetched) *connector.Message {
	return buildMessage(p.folder, p.uidValidity, f, p.c.parseOptions(), p.c.cfg.MaxMessageBytes)
}

func buildMessage(folder string, uidValidity uint32, f *fetched, opts mime.ParseOptions, maxSize int64) *connector.Message {
	header := headerBlock(f.raw)
	var m *connector.Message
	if f.big {
		m = oversize(header, f, opts, maxSize)
	} else {
		var err error
		if m, err = mime.Parse(f.raw, opts); err != nil {
			m = &connector.Message{Problems: []string{"message: " + err.Error()}}
		}
	}
	m.ProviderID = providerID(folder, header, f.size)
	m.ProviderRef = providerRef(folder, uidValidity, f.uid)
	m.Flags = normalizeFlags(f.flags)
	m.Folders = []string{folder}
	if !f.date.IsZero() {
		m.ReceivedAt = f.date.UTC()
	}
	if f.size > 0 {
		m.Size = f.size
	}
	return m
}

// oversize returns the stub of a message over Config.MaxMessageBytes, of
// which only header was read: its envelope and headers, its size, no
// body, and a problem that says so. Its ProviderID is the one the whole
// message would have, computed from the same header and size, so the
// stub is stored once and stays what it is across syncs.
func oversize(header []byte, f *fetched, opts mime.ParseOptions, maxSize int64) *connector.Message {
	m, err := mime.ParseHeader(header, opts)
	if err != nil {
		m = &connector.Message{Problems: []string{"message: " + err.Error()}}
	}
	m.Size = f.announced
	m.Problems = append(m.Problems, fmt.Sprintf("message: larger than the maximum message size (%d bytes, at most %d are read): only its header was kept", f.announced, maxSize))
	return m
}
