package server

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// accessLog returns the middleware that logs one line per request to
// logger (method, route pattern, status, duration, request id, tenant;
// never a header, a query or a body), counts it in m, and turns a
// handler's panic into a logged 500.
func accessLog(logger *slog.Logger, m *metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return observe(next, logger, m) }
}

// observe is accessLog's middleware around next.
func observe(next http.Handler, logger *slog.Logger, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel is compared as net/http does
					panic(v)
				}
				logger.ErrorContext(r.Context(), "handler panicked", slog.String("request_id", RequestID(r.Context())),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if ww.Status() == 0 {
					writeProblem(ww, r, http.StatusInternalServerError, probInternal, "the server failed to handle the request; quote the request id when reporting it")
				}
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			route, method := routePattern(r), httpMethod(r.Method)
			m.observeRequest(method, route, status, elapsed)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			if !logger.Enabled(r.Context(), level) {
				return
			}
			// The record is made here rather than by LogAttrs, which
			// would look up the caller's program counter for a source
			// this line does not need (the access log's own).
			rec := slog.NewRecord(start.Add(elapsed), level, "request", 0)
			rec.AddAttrs(
				slog.String("method", method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Duration("duration", elapsed),
				slog.Int("bytes", ww.BytesWritten()),
				slog.String("request_id", RequestID(r.Context())),
				slog.String("tenant_id", tenantOf(r)),
			)
			_ = logger.Handler().Handle(r.Context(), rec)
		}()
		next.ServeHTTP(ww, r)
	})
}

// routePattern returns the chi route pattern that served r
// ("/api/v1/integrations/{id}"), or "unmatched": never the raw path, so
// that ids do not end up in metric labels.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

// httpMethod returns method if it is one of the methods of RFC 9110 and
// RFC 5789, else "OTHER": a client may send any token as a method, and
// a label or log field must not take values a client chooses.
func httpMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// tenantOf returns the tenant the auth middleware found for r, or "".
func tenantOf(r *http.Request) string {
	if info := infoOf(r.Context()); info != nil {
		return info.tenant
	}
	return ""
}
