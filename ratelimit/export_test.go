package ratelimit

// MemoryLen returns how many keys m remembers.
func MemoryLen(m *MemoryLimiter) int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.keys)
		sh.mu.Unlock()
	}
	return n
}

// DenyCacheLen returns how many denied keys r remembers.
func DenyCacheLen(r *RedisLimiter) int {
	n := 0
	for i := range r.cache.shards {
		sh := &r.cache.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
