package queue

import (
	"container/heap"
	"time"
)

// memHeap orders records by their at time (a heap.Interface).
type memHeap []*memRecord

// Len is the number of records.
func (h memHeap) Len() int { return len(h) }

// Less orders by at.
func (h memHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }

// Swap swaps two records and their indexes.
func (h memHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// Push adds a record at the end.
func (h *memHeap) Push(x any) {
	rec := x.(*memRecord)
	rec.index = len(*h)
	*h = append(*h, rec)
}

// Pop removes the last record.
func (h *memHeap) Pop() any {
	old := *h
	rec := old[len(old)-1]
	old[len(old)-1] = nil
	rec.index = -1
	*h = old[:len(old)-1]
	return rec
}

// timedPush adds rec, whose at is set, to the timed heap. The caller
// holds mu.
func (m *Memory) timedPush(rec *memRecord) {
	heap.Push(&m.timed, rec)
	m.armTimer()
}

// timedRemove takes rec out of the timed heap, if it is there.
func (m *Memory) timedRemove(rec *memRecord) {
	if rec.index >= 0 {
		heap.Remove(&m.timed, rec.index)
		m.armTimer()
	}
}

// timedFix restores the heap after rec.at changed.
func (m *Memory) timedFix(rec *memRecord) {
	heap.Fix(&m.timed, rec.index)
	m.armTimer()
}

// armTimer makes the timer fire at the earliest due time or lease
// expiry. A timer left armed for a time that no longer matters fires
// harmlessly. The caller holds mu.
func (m *Memory) armTimer() {
	if m.closed || len(m.timed) == 0 {
		return
	}
	at := m.timed[0].at
	if m.timer != nil && at.Equal(m.timerAt) {
		return
	}
	m.timerAt = at
	if m.timer == nil {
		m.timer = time.AfterFunc(time.Until(at), m.onTimer)
		return
	}
	m.timer.Reset(time.Until(at))
}

func (m *Memory) onTimer() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.timerAt = time.Time{}
	m.reap(time.Now())
}

// reap makes the jobs due by now pending: scheduled and retry jobs whose
// time has come, and active jobs whose lease ran out because their worker
// stopped renewing it (it died, or lost touch). Such a job goes back
// first in line and its attempt does not count; the lease's token
// changes, so that the old worker can no longer acknowledge or fail it.
// The caller holds mu.
func (m *Memory) reap(now time.Time) {
	woke := false
	for len(m.timed) > 0 && !m.timed[0].at.After(now) {
		rec := heap.Pop(&m.timed).(*memRecord)
		switch rec.state {
		case memScheduled, memRetry:
			m.makePending(rec, rec.at, false)
		case memActive:
			rec.token = m.nextSeq()
			m.makePending(rec, rec.at, true)
		}
		woke = true
	}
	if woke {
		m.broadcast()
	}
	m.armTimer()
}

// nextSeq returns a number never returned before. The caller holds mu.
func (m *Memory) nextSeq() uint64 {
	m.seq++
	return m.seq
}
