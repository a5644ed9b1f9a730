package serve

import "net/http"

// Recorder is an http.ResponseWriter that remembers the status written
// through it. It unwraps to the writer it wraps, for
// http.ResponseController.
type Recorder struct {
	http.ResponseWriter
	status int
}

// NewRecorder wraps w.
func NewRecorder(w http.ResponseWriter) *Recorder { return &Recorder{ResponseWriter: w} }

// WriteHeader records the first status and passes it on.
func (r *Recorder) WriteHeader(status int) {
	if r.status == 0 && status >= 200 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write passes b on, recording 200 if no status was written before.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Flush flushes the wrapped writer if it can.
func (r *Recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the wrapped writer.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Status returns the status written so far, 0 if none.
func (r *Recorder) Status() int { return r.status }
