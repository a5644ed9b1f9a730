// Package health runs dependency checks for a service and serves their
// results as liveness, readiness and detailed health endpoints.
//
// It depends on the standard library only and knows nothing about the rest
// of this module, so any Go service can use it. It is not a monitoring
// system: it keeps no history beyond an optional short cache, and it does
// not schedule checks in the background; checks run when someone asks.
//
// # Checks
//
// A [Check] is a name, a function and a timeout:
//
//	reg, err := health.New(health.Options{})
//	if err != nil {
//		return err
//	}
//	err = reg.Register(health.Check{
//		Name:     "postgres",
//		Func:     pool.Ping,
//		Timeout:  time.Second,
//		Critical: true,
//	})
//
// [Registry.Run] calls every check concurrently, each with a context that
// expires after its timeout ([DefaultTimeout], 2s, when unset). A check that
// ignores its context is abandoned at the deadline and reported as failed
// with an error wrapping [ErrTimeout], so a hung driver cannot hold up a
// probe; it is not called again until the abandoned call returns (later runs
// report it as timed out meanwhile), so hung calls do not accumulate. A check
// that panics is reported as failed with an error wrapping [ErrPanic]; the
// panic never reaches the caller.
//
// The overall status follows the IETF draft "Health Check Response Format
// for HTTP APIs" (draft-inadarei-api-health-check): [StatusFail] when a
// critical check fails, [StatusWarn] when only non-critical checks fail,
// [StatusPass] otherwise. [Report] documents the JSON form.
//
// # Handlers
//
// Three handlers answer GET and HEAD (other methods get 405 with an Allow
// header), with Content-Type application/health+json and Cache-Control
// no-store:
//
//   - [Registry.LivenessHandler] always answers 200 {"status":"pass"} and
//     runs no checks: a database outage should take the pod out of the load
//     balancer, not get it restarted.
//   - [Registry.ReadinessHandler] runs the checks and answers 200 when no
//     critical check failed, 503 otherwise, with the report as body. Error
//     text is replaced by "check failed" or "check timed out" unless
//     [Options.ExposeErrors] is set, because probe ports are often reachable
//     by more people than the logs are.
//   - [Registry.DetailedHandler] answers with the full report, errors
//     included, 200 on pass or warn and 503 on fail. It is meant to be
//     mounted behind authentication or on an internal port.
//
// For example:
//
//	mux.Handle("GET /livez", reg.LivenessHandler())
//	mux.Handle("GET /readyz", reg.ReadinessHandler())
//	admin.Handle("GET /healthz", reg.DetailedHandler())
//
// # Caching
//
// Callers of [Registry.Run] (and so of the readiness and detailed handlers)
// that arrive while a run is in progress wait for it and share its report
// rather than starting another. Setting [Options.CacheTTL] additionally
// reuses a completed report for that long, so that a flood of probes runs
// each check at most once per TTL. Registering a check discards the cached
// report. The default, zero, disables the cache.
package health
