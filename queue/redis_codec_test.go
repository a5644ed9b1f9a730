package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRedisRecordRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.UnixMicro(time.Now().UnixMicro())
	for _, tc := range []struct {
		name string
		job  Job
		meta redisMeta
	}{
		{"empty", Job{}, redisMeta{}},
		{"full", Job{
			ID: "id-1", Type: "sync", Payload: []byte{0, 1, 2, 0xff}, Attempt: 3, MaxAttempts: 25,
			UniqueKey: "sync:42", EnqueuedAt: at, LastError: "boom\nline 2",
		}, redisMeta{timeout: 90 * time.Second, explicit: true, failedAt: at.Add(time.Second)}},
		{"large", Job{ID: string(make([]byte, 300)), Type: "t", Payload: make([]byte, 1<<20), Attempt: 1, MaxAttempts: 1}, redisMeta{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := appendRedisRecord(nil, &tc.job, tc.meta)
			require.LessOrEqual(t, len(rec), redisRecordSize(&tc.job))
			var got Job
			meta, err := decodeRedisRecord(string(rec), &got)
			require.NoError(t, err)
			want := tc.job
			if want.Payload == nil {
				want.Payload = []byte{}
			}
			require.Equal(t, want, got)
			require.Equal(t, tc.meta, meta)
		})
	}
}

func TestRedisRecordCorrupt(t *testing.T) {
	t.Parallel()
	rec := string(appendRedisRecord(nil, &Job{ID: "id", Type: "t", Payload: []byte("p")}, redisMeta{}))
	var j Job
	for i := range len(rec) - 1 { // every cut before the payload ("p")
		_, err := decodeRedisRecord(rec[:i], &j)
		require.ErrorIs(t, err, errRedisRecord, "cut to %d bytes", i)
	}
	_, err := decodeRedisRecord("\x02"+rec[1:], &j)
	require.ErrorIs(t, err, errRedisRecord, "unknown version")
	_, err = decodeRedisRecord("\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", &j)
	require.ErrorIs(t, err, errRedisRecord, "varint overflow")
}

func FuzzRedisRecord(f *testing.F) {
	f.Add(string(appendRedisRecord(nil, &Job{ID: "a", Type: "b", Payload: []byte("c"), Attempt: 2}, redisMeta{explicit: true})))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		var j Job
		meta, err := decodeRedisRecord(s, &j)
		if err != nil {
			return
		}
		// What decodes encodes back to a record that decodes the same.
		var again Job
		meta2, err := decodeRedisRecord(string(appendRedisRecord(nil, &j, meta)), &again)
		require.NoError(t, err)
		require.Equal(t, j, again)
		require.Equal(t, meta, meta2)
	})
}
