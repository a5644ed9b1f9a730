package mime

import (
	"bytes"
)

// splitResult is the outcome of splitMultipart.
type splitResult struct {
	// parts are the bodies between the delimiter lines, each starting
	// with its own header; sub-slices of the input.
	parts [][]byte
	// found reports that at least one delimiter line was seen.
	found bool
	// closed reports that the close delimiter ("--boundary--") was seen.
	closed bool
}

// splitMultipart splits a multipart body on its boundary (RFC 2046
// §5.1.1). A delimiter line is "--" boundary, optionally "--", optional
// spaces, then a line end (CRLF or LF) or the end of the input; the line
// break before it belongs to it. The preamble and epilogue are dropped.
// Without a close delimiter, the last part runs to the end of body. At
// most limit parts are returned (limit <= 0: none). The parts are
// appended to dst (which may be nil): res.parts is all of the grown dst.
func splitMultipart(body []byte, boundary string, limit int, dst [][]byte) splitResult {
	res := splitResult{parts: dst}
	limit += len(dst)
	var buf [80]byte // boundaries are at most 70 characters
	delim := append(append(buf[:0], "--"...), boundary...)
	partStart := -1
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		pos = i + 1
		if i > 0 && body[i-1] != '\n' {
			continue // not at the start of a line
		}
		j := i + len(delim)
		isClose := bytes.HasPrefix(body[j:], []byte("--"))
		if isClose {
			j += 2
		}
		for j < len(body) && (body[j] == ' ' || body[j] == '\t') {
			j++
		}
		if j < len(body) && body[j] == '\r' {
			j++
		}
		switch {
		case j == len(body):
		case body[j] == '\n':
			j++
		default:
			continue // "--boundary" followed by other text
		}
		res.found = true
		if partStart >= 0 {
			end := i
			if end > 0 && body[end-1] == '\n' {
				end--
				if end > 0 && body[end-1] == '\r' {
					end--
				}
			}
			if end < partStart {
				end = partStart
			}
			if len(res.parts) >= limit {
				return res
			}
			res.parts = append(res.parts, body[partStart:end])
		}
		if isClose {
			res.closed = true
			return res
		}
		partStart = j
		pos = j
	}
	if partStart >= 0 && len(res.parts) < limit {
		res.parts = append(res.parts, body[partStart:])
	}
	return res
}
