package ratelimit

import (
	"errors"
	"strings"
)

// errEmptyKey is returned for a decision on the empty key.
var errEmptyKey = errors.New("ratelimit: key must not be empty")

// redisKey is the Redis key of part (a limit's name, "concurrency") of
// key: prefix{key}:part, where prefix ends with ':'. The braces make key
// the Redis Cluster hash tag, so that every key of one decision is in one
// slot. A '}' in key would end the tag early (and one at its start would
// empty it, so that Redis hashed the whole key): '}' is written %7D, and
// '%' %25 so that the encoding stays one-to-one.
func redisKey(prefix, key, part string) string {
	if strings.ContainsAny(key, "}%") {
		key = strings.NewReplacer("%", "%25", "}", "%7D").Replace(key)
	}
	return prefix + "{" + key + "}:" + part
}
