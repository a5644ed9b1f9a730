package memory

import (
	"testing"

	"github.com/ucsp/integration/store/storetest"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) *storetest.Harness {
		s := newStore(t)
		return &storetest.Harness{Store: s, Dump: s.dump}
	})
}
