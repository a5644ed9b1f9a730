package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ConfigError lists every problem of the configuration, each naming the
// environment variable at fault.
type ConfigError struct {
	// Problems are "VARIABLE: what is wrong" lines.
	Problems []string
}

// Error lists the problems on one line.
func (e *ConfigError) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

// envReader reads typed variables and collects the problems, so that one
// start reports every bad variable, not just the first.
type envReader struct {
	get      func(string) string
	problems []string
}

func (e *envReader) fail(name, format string, args ...any) {
	e.problems = append(e.problems, name+": "+fmt.Sprintf(format, args...))
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.get(name)); v != "" {
		return v
	}
	return def
}

func (e *envReader) int(name string, def, lo, hi int) int {
	v := strings.TrimSpace(e.get(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.fail(name, "%q is not a whole number from %d to %d", v, lo, hi)
		return def
	}
	return n
}

func (e *envReader) bool(name string, def bool) bool {
	v := strings.TrimSpace(e.get(name))
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, "%q is not a boolean (true or false)", v)
		return def
	}
	return b
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(e.get(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.fail(name, "%q is not a positive duration such as 25s", v)
		return def
	}
	return d
}

func (e *envReader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(e.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	e.fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

func (e *envReader) err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return &ConfigError{Problems: e.problems}
}
