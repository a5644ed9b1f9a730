package imapscript

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// session is one client connection.
type session struct {
	s        *Server
	c        net.Conn
	r        *bufio.Reader
	w        *bufio.Writer
	login    bool
	selected bool
}

func newSession(s *Server, c net.Conn) *session {
	return &session{s: s, c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
}

// errHangup ends a session without an error worth reporting.
var errHangup = errors.New("imapscript: hang up")

const capabilities = "IMAP4rev1"

func (ss *session) run() {
	ss.line("* OK [CAPABILITY " + capabilities + "] imapscript ready")
	if ss.w.Flush() != nil {
		return
	}
	for {
		tag, cmd, args, err := ss.readCommand()
		if err != nil {
			return
		}
		if err := ss.dispatch(tag, strings.ToUpper(cmd), args); err != nil {
			return
		}
		if ss.w.Flush() != nil {
			return
		}
	}
}

func (ss *session) line(s string) { _, _ = ss.w.WriteString(s + "\r\n") }

func (ss *session) dispatch(tag, cmd string, args []string) error {
	switch {
	case cmd == "CAPABILITY":
		ss.line("* CAPABILITY " + capabilities)
	case cmd == "NOOP" || cmd == "CHECK":
	case cmd == "LOGOUT":
		ss.line("* BYE imapscript logging out")
		ss.line(tag + " OK LOGOUT completed")
		_ = ss.w.Flush()
		return errHangup
	case cmd == "LOGIN":
		if len(args) != 2 || args[0] != ss.s.opts.Username || args[1] != ss.s.opts.Password {
			ss.line(tag + " NO [AUTHENTICATIONFAILED] invalid credentials")
			return nil
		}
		ss.login = true
		ss.line(tag + " OK [CAPABILITY " + capabilities + "] logged in")
		return nil
	case !ss.login:
		ss.line(tag + " BAD log in first")
	case cmd == "SELECT" || cmd == "EXAMINE":
		if len(args) != 1 || !strings.EqualFold(args[0], "INBOX") {
			ss.selected = false
			ss.line(tag + " NO [NONEXISTENT] no such folder")
			return nil
		}
		ss.selected = true
		n := len(ss.s.opts.Messages)
		ss.line("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
		ss.line(fmt.Sprintf("* %d EXISTS", n))
		ss.line("* 0 RECENT")
		ss.line(fmt.Sprintf("* OK [UIDVALIDITY %d] UIDs valid", ss.s.uidValidity.Load()))
		ss.line(fmt.Sprintf("* OK [UIDNEXT %d] predicted next UID", n+1))
		mode := "READ-WRITE"
		if cmd == "EXAMINE" {
			mode = "READ-ONLY"
		}
		ss.line(tag + " OK [" + mode + "] " + cmd + " completed")
		return nil
	case cmd == "LIST":
		ss.line(`* LIST () "/" INBOX`)
	case cmd == "UID" && len(args) > 0 && ss.selected:
		switch strings.ToUpper(args[0]) {
		case "SEARCH":
			var b strings.Builder
			b.WriteString("* SEARCH")
			for i := range ss.s.opts.Messages {
				b.WriteString(" " + strconv.Itoa(i+1))
			}
			ss.line(b.String())
		case "FETCH":
			if len(args) < 3 {
				ss.line(tag + " BAD UID FETCH needs a set and items")
				return nil
			}
			if err := ss.fetch(args[1], strings.ToUpper(strings.Join(args[2:], " "))); err != nil {
				return err
			}
		default:
			ss.line(tag + " BAD unsupported UID command")
			return nil
		}
	default:
		ss.line(tag + " BAD unsupported command")
		return nil
	}
	ss.line(tag + " OK " + cmd + " completed")
	return nil
}

// maxCommand bounds a command line with its literals.
const maxCommand = 1 << 20

// readCommand reads one command: its tag, name and arguments (atoms,
// quoted strings and literals, each one argument; parentheses stay in
// the atoms).
func (ss *session) readCommand() (tag, cmd string, args []string, err error) {
	var toks []string
	total := 0
	for {
		line, err := ss.r.ReadString('\n')
		if err != nil {
			return "", "", nil, err
		}
		total += len(line)
		line = strings.TrimRight(line, "\r\n")
		lit := int64(-1)
		if strings.HasSuffix(line, "}") {
			if i := strings.LastIndexByte(line, '{'); i >= 0 {
				spec := line[i+1 : len(line)-1]
				nonSync := strings.HasSuffix(spec, "+")
				if n, perr := strconv.ParseInt(strings.TrimSuffix(spec, "+"), 10, 64); perr == nil && n >= 0 {
					lit, line = n, line[:i]
					if !nonSync {
						ss.line("+ go ahead")
						if err := ss.w.Flush(); err != nil {
							return "", "", nil, err
						}
					}
				}
			}
		}
		toks = append(toks, tokenize(line)...)
		if lit < 0 {
			break
		}
		if total += int(lit); total > maxCommand {
			return "", "", nil, errors.New("imapscript: command too long")
		}
		b := make([]byte, lit)
		if _, err := io.ReadFull(ss.r, b); err != nil {
			return "", "", nil, err
		}
		toks = append(toks, string(b))
	}
	if len(toks) < 2 {
		return "", "", nil, errors.New("imapscript: no command")
	}
	return toks[0], toks[1], toks[2:], nil
}

// tokenize splits a command line into atoms and quoted strings.
func tokenize(line string) []string {
	var toks []string
	for i := 0; i < len(line); {
		switch line[i] {
		case ' ':
			i++
		case '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				b.WriteByte(line[j])
			}
			toks = append(toks, b.String())
			i = j + 1
		default:
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				j = len(line) - i
			}
			toks = append(toks, line[i:i+j])
			i += j
		}
	}
	return toks
}
