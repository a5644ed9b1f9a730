// Package netguard guards the network connections a multi-tenant
// service opens to servers its tenants name, such as the IMAP and SMTP
// servers of a mailbox integration.
//
// # Internal addresses
//
// A tenant who may name a host could name one of the service's own
// neighbours (a database, a cloud metadata endpoint) and use the service
// to reach it. PublicAddr says whether an address is globally routable
// unicast; CheckHost applies it to a host name or address before it is
// accepted (to give the tenant a clear error early); a Dialer applies it
// again to every address it connects to, after name resolution, so that
// a name re-pointed afterwards (DNS rebinding) gains nothing.
//
// # Connection caps
//
// A Dialer also caps how many connections are open at once to one remote
// host (by IP address: a third-party server is protected from the
// service, whatever names point at it) and to one mailbox (providers
// limit simultaneous connections per account). The caps hold across
// processes when the Dialer's Semaphore is shared, such as a
// ratelimit.RedisSemaphore: a connection takes a slot of each key before
// it is opened and gives them back when it is closed.
//
// # What it is not
//
// It is not a firewall: a deployment whose network allows the service
// to reach internal hosts should also refuse that there. It does not
// limit the rate of new connections, only how many are open.
//
// It imports nothing but the standard library: Semaphore is declared
// here, and SemaphoreOf adapts any semaphore with Acquire, Release and
// Extend (ratelimit.Semaphore among them).
package netguard
