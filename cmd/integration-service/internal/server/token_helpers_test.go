package server

import "time"

// NewToken signs an API token for tenant and subject, valid for ttl,
// without issuer or audience.
func NewToken(secret []byte, tenant, subject, tier string, ttl time.Duration) (string, error) {
	return NewTokenWith(secret, tenant, subject, TokenOptions{Tier: tier, TTL: ttl})
}
