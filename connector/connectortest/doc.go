// Package connectortest checks that a connector.Connector keeps the
// contract of package connector, and gives tests an in-memory mailbox.
//
// # The conformance suite
//
// Every connector in this module (imap, gmail, outlook) runs [Run] against
// a real or faithfully faked server, and so should any connector written
// outside it:
//
//	func TestConformance(t *testing.T) {
//		connectortest.Run(t, func(t *testing.T) *connectortest.Env {
//			mb := newTestMailbox(t) // isolated per call
//			return &connectortest.Env{
//				Connector: mb.connector,
//				Deliver:   mb.append,
//			}
//		})
//	}
//
// The suite syncs from scratch and incrementally, interrupts a sync and
// resumes it, sends replies and checks their threading headers, and tests
// each optional capability the connector has. Env fields left nil skip
// the checks that need them.
//
// # The in-memory mailbox
//
// [Mailbox] is a fake provider: deliver raw messages into it, delete
// them, change their flags, invalidate every cursor, and connect to it
// with [Mailbox.Connect]. Its connector implements every capability that
// makes sense in memory. Use it to test code that consumes connectors,
// such as a sync pipeline, without a network.
package connectortest
