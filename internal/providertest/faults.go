package providertest

// Faults is a queue of injected faults of type F, each hitting a
// number of matching calls. Not safe for concurrent use.
type Faults[F any] struct {
	list []*fault[F]
}

type fault[F any] struct {
	f    F
	left int // < 0: forever
}

// Add queues f for times matching calls: 0 means 1, a negative number
// every call until Clear. Faults apply in the order they were added.
func (q *Faults[F]) Add(f F, times int) {
	if times == 0 {
		times = 1
	}
	q.list = append(q.list, &fault[F]{f: f, left: times})
}

// Clear removes every fault.
func (q *Faults[F]) Clear() { q.list = nil }

// Take returns a copy of the first fault that match accepts, using it
// up, or nil.
func (q *Faults[F]) Take(match func(*F) bool) *F {
	for i, f := range q.list {
		if !match(&f.f) {
			continue
		}
		out := f.f
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				q.list = append(q.list[:i:i], q.list[i+1:]...)
			}
		}
		return &out
	}
	return nil
}
