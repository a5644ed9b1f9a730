package imap

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// A message has two names here.
//
// Its ProviderRef is where it is now: the folder, the folder's
// UIDVALIDITY and the message's UID, written like the path of an IMAP URL
// (RFC 5092):
//
//	INBOX;UIDVALIDITY=1795649242/;UID=42
//
// A UIDVALIDITY change (a folder deleted and re-created, a server
// migration, a rebuilt index) renumbers every message, so a ref is only
// good until then.
//
// Its ProviderID is who it is, and survives renumbering: the folder, a
// slash, and 22 characters of base64url (132 bits) of the SHA-256 of what
// the server keeps of the message across renumbering:
//
//	INBOX/q3V9cJ1gPq0o0l7n2Yt3bA
//
// The digest covers, version-tagged and separated by NUL bytes, the raw
// (undecoded, unfolded, trimmed) values of the first Message-ID, Date,
// From and Subject header fields, and the RFC822.SIZE the server reports.
// A message without a Message-ID (drafts, some system mail) is digested
// from its whole header block instead (line ends normalised to LF), plus
// the size. The digest is computed from the raw header, the same way
// whether the header came with the whole message (BODY[]) or alone
// (BODY[HEADER], for flag changes and lookups).
//
// Limits, by construction:
//   - Two copies of one message in one folder (the same Message-ID, Date,
//     From, Subject and size; or, without a Message-ID, the same header
//     and size) have one ProviderID: they collapse into one message for
//     the caller, and an expunge of either copy, reported by ref, deletes
//     it.
//   - The same message in two folders has two ProviderIDs (the folder is
//     part of the id), as it has two sets of flags.
//   - A server that rewrites a message's header or size when renumbering
//     (none known) would give it a new ProviderID: the caller sees the old
//     one gone and a new one arrive.
//   - Moving a message between synced folders changes its ProviderID; the
//     digest, the same in both, lets Sync report the move (moves.go), so
//     that the caller keeps one message.

// providerID returns the ProviderID of a message in folder with the given
// raw header block and RFC822.SIZE.
func providerID(folder string, header []byte, size int64) string {
	return folder + "/" + identityDigest(header, size)
}

// identityDigest is the folder-independent part of a ProviderID.
func identityDigest(header []byte, size int64) string {
	h := sha256.New()
	msgID := headerValue(header, "Message-Id")
	if len(msgID) > 0 {
		h.Write([]byte("imap-id/1\x00mid\x00"))
		h.Write(msgID)
		h.Write([]byte("\x00date\x00"))
		h.Write(headerValue(header, "Date"))
		h.Write([]byte("\x00from\x00"))
		h.Write(headerValue(header, "From"))
		h.Write([]byte("\x00subject\x00"))
		h.Write(headerValue(header, "Subject"))
	} else {
		h.Write([]byte("imap-id/1\x00header\x00"))
		h.Write(bytes.ReplaceAll(bytes.TrimRight(header, "\r\n"), []byte("\r\n"), []byte("\n")))
	}
	h.Write([]byte("\x00size\x00"))
	h.Write(strconv.AppendInt(nil, size, 10))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(h.Sum(sum[:0]))[:22]
}

// headerBlock returns the header of raw: everything before the first
// empty line (or all of raw when there is none).
func headerBlock(raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return raw
		}
		line := raw[i : i+j]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return raw[:i]
		}
		i += j + 1
	}
	return raw
}

// headerValue returns the unfolded, trimmed raw value of the first field
// called name (any case) in header, or nil.
func headerValue(header []byte, name string) []byte {
	for i := 0; i < len(header); {
		end := bytes.IndexByte(header[i:], '\n')
		if end < 0 {
			end = len(header)
		} else {
			end += i
		}
		line := header[i:end]
		colon := bytes.IndexByte(line, ':')
		if colon > 0 && line[0] != ' ' && line[0] != '\t' && strings.EqualFold(string(bytes.TrimRight(line[:colon], " \t")), name) {
			// Gather continuation lines.
			stop := end
			for stop+1 < len(header) && (header[stop+1] == ' ' || header[stop+1] == '\t') {
				next := bytes.IndexByte(header[stop+1:], '\n')
				if next < 0 {
					stop = len(header)
					break
				}
				stop += 1 + next
			}
			return unfold(header[i+colon+1 : min(stop, len(header))])
		}
		i = end + 1
	}
	return nil
}

// unfold joins folded lines with single spaces and trims the ends.
func unfold(v []byte) []byte {
	if bytes.IndexByte(v, '\n') < 0 {
		return bytes.Trim(v, " \t\r")
	}
	var out []byte
	for _, l := range bytes.Split(v, []byte("\n")) {
		l = bytes.Trim(l, " \t\r")
		if len(l) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, ' ')
		}
		out = append(out, l...)
	}
	return out
}

// providerRef returns the ProviderRef of UID uid in folder.
func providerRef(folder string, uidValidity, uid uint32) string {
	return folder + ";UIDVALIDITY=" + strconv.FormatUint(uint64(uidValidity), 10) + "/;UID=" + strconv.FormatUint(uint64(uid), 10)
}

// parseRef reads a ProviderRef.
func parseRef(ref string) (folder string, uidValidity, uid uint32, ok bool) {
	i := strings.LastIndex(ref, ";UIDVALIDITY=")
	if i <= 0 {
		return "", 0, 0, false
	}
	v, u, found := strings.Cut(ref[i+len(";UIDVALIDITY="):], "/;UID=")
	if !found {
		return "", 0, 0, false
	}
	vn, err1 := strconv.ParseUint(v, 10, 32)
	un, err2 := strconv.ParseUint(u, 10, 32)
	if err1 != nil || err2 != nil || vn == 0 || un == 0 {
		return "", 0, 0, false
	}
	return ref[:i], uint32(vn), uint32(un), true
}

// splitProviderID reads a ProviderID.
func splitProviderID(id string) (folder, digest string, ok bool) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 || len(id)-i-1 != 22 {
		return "", "", false
	}
	return id[:i], id[i+1:], true
}
