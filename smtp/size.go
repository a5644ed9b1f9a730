package smtp

import (
	"fmt"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// sizeLimit is the largest message the server takes, from the SIZE
// parameter of its EHLO reply (RFC 1870). 0 means no fixed limit: no
// SIZE, SIZE without a number, SIZE 0 or a number that does not parse.
// The EHLO reply is the one go-mail keeps (after STARTTLS, the second
// one), so no command is sent.
func (c *conn) sizeLimit() int64 {
	ok, param := c.sc.Extension("SIZE")
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(param), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// messageSize is the number of bytes of gm as written in DATA, before
// dot-stuffing (RFC 1870 §4's message size).
func messageSize(gm *gomail.Msg) (int64, error) {
	var c byteCounter
	if _, err := gm.WriteTo(&c); err != nil {
		return 0, err
	}
	return c.n, nil
}

// byteCounter is an io.Writer that counts.
type byteCounter struct{ n int64 }

func (c *byteCounter) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return len(b), nil
}

// checkSize refuses gm when the server's SIZE is smaller than it.
// *size is the message's size, measured on first need (-1 before); it
// is kept across reconnections.
func (c *conn) checkSize(gm *gomail.Msg, size *int64, server string) error {
	limit := c.sizeLimit()
	if limit == 0 {
		return nil
	}
	if *size < 0 {
		n, err := messageSize(gm)
		if err != nil {
			return err
		}
		*size = n
	}
	if *size > limit {
		return fmt.Errorf("%w: the message is %d bytes, the server %s accepts at most %d (EHLO SIZE)", ErrTooLarge, *size, server, limit)
	}
	return nil
}
