package custom

import (
	"sync"
	"time"
)

// Sources are cached: one per integration, built from its secret on
// first use and kept for sourceTTL, or until Forget. Another process's
// rotation reaches this one's cache within sourceTTL.
const (
	sourceTTL = 10 * time.Second
	// sourceMax bounds the cache; when full it starts over.
	sourceMax = 10_000
)

// Negative caching: an id that is no custom source (unknown, or another
// provider's integration) is remembered as such for missTTL, so that a
// sender repeating it costs no query. Forget ends it at once (the
// integration was created); in another process, a miss remembered
// lasts missTTL at most (ids are random, so that a delivery to an id
// before it exists is a guess anyway).
const (
	missTTL = 10 * time.Second
	// missMax bounds the misses remembered; when full, expired ones go
	// first, then all.
	missMax = 10_000
)

// cache holds the Sources of recent deliveries and the ids recently
// found to be none.
type cache struct {
	mu      sync.Mutex
	sources map[string]*Source
	misses  map[string]time.Time // id: when it was found to be no custom source
}

func newCache() *cache {
	return &cache{sources: map[string]*Source{}, misses: map[string]time.Time{}}
}

// missed reports whether id was found to be no custom source within
// missTTL of now.
func (c *cache) missed(id string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.misses[id]
	return ok && now.Sub(at) <= missTTL
}

// miss remembers that id is no custom source.
func (c *cache) miss(id string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.misses) >= missMax {
		for k, at := range c.misses {
			if now.Sub(at) > missTTL {
				delete(c.misses, k)
			}
		}
		if len(c.misses) >= missMax {
			clear(c.misses)
		}
	}
	c.misses[id] = now
}

// get returns the cached source of id, if fresh.
func (c *cache) get(id string, now time.Time) *Source {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sources[id]
	if s == nil || now.Sub(s.loaded) > sourceTTL {
		return nil
	}
	return s
}

// put caches s.
func (c *cache) put(s *Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sources) >= sourceMax {
		c.sources = map[string]*Source{}
	}
	c.sources[s.in.ID] = s
}

// forget drops what is cached of id: its source or its miss.
func (c *cache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sources, id)
	delete(c.misses, id)
}
