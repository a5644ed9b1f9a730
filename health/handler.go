package health

import (
	"encoding/json"
	"net/http"
)

// ContentType is the media type of every health response, registered by the
// IETF draft "Health Check Response Format for HTTP APIs".
const ContentType = "application/health+json"

// livenessBody is the constant liveness response.
var livenessBody = []byte(`{"status":"pass"}` + "\n")

// LivenessHandler returns a handler that answers 200 {"status":"pass"} as
// long as the process can serve HTTP. It never runs checks: a failing
// dependency must make the service unready, not get it restarted.
func (r *Registry) LivenessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !allowed(w, req) {
			return
		}
		write(w, req, http.StatusOK, livenessBody)
	})
}

// ReadinessHandler returns a handler that runs the checks (see
// [Registry.Run]) and answers with the report: 200 when no critical check
// failed (status pass or warn), 503 otherwise. Error text is replaced by a
// generic description unless [Options.ExposeErrors] is set.
func (r *Registry) ReadinessHandler() http.Handler {
	return r.reportHandler(r.expose)
}

// DetailedHandler returns a handler that runs the checks and answers with the
// full report, error text included: 200 on pass or warn, 503 on fail. Mount
// it behind authentication or on an internal port.
func (r *Registry) DetailedHandler() http.Handler {
	return r.reportHandler(true)
}

func (r *Registry) reportHandler(expose bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !allowed(w, req) {
			return
		}
		rep := r.Run(req.Context())
		body, err := json.Marshal(rep.wire(expose))
		if err != nil {
			http.Error(w, "health: cannot encode report", http.StatusInternalServerError)
			return
		}
		code := http.StatusOK
		if rep.Status == StatusFail {
			code = http.StatusServiceUnavailable
		}
		write(w, req, code, append(body, '\n'))
	})
}

// allowed reports whether req uses GET or HEAD, answering 405 if not.
func allowed(w http.ResponseWriter, req *http.Request) bool {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "health: method not allowed", http.StatusMethodNotAllowed)
	return false
}

// write sends body with the health headers; HEAD gets the headers only.
func write(w http.ResponseWriter, req *http.Request, code int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if req.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
