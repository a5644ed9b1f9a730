package server

import "github.com/ucsp/integration/connector/signin"

// parseReturnURLs reads the comma-separated allow-list of return URLs
// of variable name (signin.ParseAllowList).
func parseReturnURLs(e *envReader, name string) signin.AllowList {
	l, err := signin.ParseAllowList(e.str(name, ""))
	if err != nil {
		e.fail(name, "%v", err)
	}
	return l
}
