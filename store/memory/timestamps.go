package memory

import "time"

// storedTime returns t as PostgreSQL would hand it back: in UTC, truncated
// to microseconds, without a monotonic clock reading. The zero time stays
// zero.
func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}
