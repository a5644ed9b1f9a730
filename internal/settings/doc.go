// Package settings is what the connectors' factories share to turn an
// integration's connector.Config (its JSON settings, credentials and
// logger) into a provider's Config, and what their Config validation
// shares: decoding settings that refuse unknown fields, defaults for
// zero values, the checks every provider makes of an address or an
// endpoint, and the mapping from a Config field's name to the JSON path
// the user wrote, so that a *connector.ValidationError names what the
// user can fix.
//
// It is not a configuration framework: each provider keeps its own
// Config, Settings, checks and messages, and calls these where its
// logic is the same as another's.
package settings
