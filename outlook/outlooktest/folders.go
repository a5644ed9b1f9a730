package outlooktest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// folder is a user's own mail folder (the well-known ones have no
// record: their ids come from FolderID).
type folder struct {
	id, name, parent string
	hidden           bool
}

// displayNames are the well-known folders' displayName.
var displayNames = map[string]string{
	Inbox: "Inbox", SentItems: "Sent Items", Drafts: "Drafts", DeletedItems: "Deleted Items", JunkEmail: "Junk Email", Archive: "Archive",
}

// rootID is the id of msgfolderroot, the parent of the top-level
// folders.
var rootID = "AQMkADAwATM0MDAAMS1" + base64.RawURLEncoding.EncodeToString([]byte("msgfolderroot"))

// resolve maps a well-known name or a folder id to the folder id.
func (mb *Mailbox) resolve(ref string) (string, bool) {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	return mb.resolveLocked(ref)
}

func (mb *Mailbox) resolveLocked(ref string) (string, bool) {
	if id, ok := resolveFolder(ref); ok {
		return id, !slices.Contains(mb.removed, id)
	}
	ref = strings.Trim(ref, "'")
	if mb.userFolderLocked(ref) != nil {
		return ref, true
	}
	return "", false
}

func (mb *Mailbox) userFolderLocked(id string) *folder {
	for _, f := range mb.folders {
		if f.id == id {
			return f
		}
	}
	return nil
}

// CreateFolder creates a mail folder named name in parent (a well-known
// name or a folder id; "" means the top level) and returns its id. A
// hidden folder is listed only with includeHiddenFolders=true.
func (mb *Mailbox) CreateFolder(name, parent string, hidden bool) (string, error) {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	pid := rootID
	if parent != "" {
		var ok bool
		if pid, ok = mb.resolveLocked(parent); !ok {
			return "", fmt.Errorf("outlooktest: no folder %q", parent)
		}
	}
	mb.nextFolder++
	f := &folder{id: "AAMkAGUSERFOLDER" + base64.RawURLEncoding.EncodeToString([]byte(mb.email+"/"+strconv.Itoa(mb.nextFolder))), name: name, parent: pid, hidden: hidden}
	mb.folders = append(mb.folders, f)
	return f.id, nil
}

// RemoveFolder deletes an empty folder without children (a well-known
// one too, e.g. archive, which not every mailbox has).
func (mb *Mailbox) RemoveFolder(ref string) error {
	mb.s.mu.Lock()
	defer mb.s.mu.Unlock()
	id, ok := mb.resolveLocked(ref)
	if !ok {
		return fmt.Errorf("outlooktest: no folder %q", ref)
	}
	total, _, _ := mb.countsLocked(id)
	if total > 0 || len(mb.childrenLocked(id, true)) > 0 {
		return fmt.Errorf("outlooktest: folder %q is not empty", ref)
	}
	if mb.userFolderLocked(id) != nil {
		mb.folders = slices.DeleteFunc(mb.folders, func(f *folder) bool { return f.id == id })
	} else {
		mb.removed = append(mb.removed, id)
	}
	return nil
}

// childrenLocked returns the ids of parent's child folders: under the
// root the well-known ones first.
func (mb *Mailbox) childrenLocked(parent string, hidden bool) []string {
	var out []string
	if parent == rootID {
		for _, n := range wellKnown {
			if id := FolderID(n); !slices.Contains(mb.removed, id) {
				out = append(out, id)
			}
		}
	}
	for _, f := range mb.folders {
		if f.parent == parent && (hidden || !f.hidden) {
			out = append(out, f.id)
		}
	}
	return out
}

// countsLocked counts folder id's live messages, its unread ones and
// their size.
func (mb *Mailbox) countsLocked(id string) (total, unread, size int) {
	for _, m := range mb.msgs {
		if !m.deleted && m.folder == id {
			total++
			size += len(m.raw)
			if !m.read {
				unread++
			}
		}
	}
	return total, unread, size
}

// folderWire renders folder id as Graph's mailFolder resource.
func (mb *Mailbox) folderWireLocked(id string) map[string]any {
	name, parent, hidden := "", rootID, false
	if f := mb.userFolderLocked(id); f != nil {
		name, parent, hidden = f.name, f.parent, f.hidden
	} else {
		for n, dn := range displayNames {
			if FolderID(n) == id {
				name = dn
			}
		}
	}
	total, unread, size := mb.countsLocked(id)
	return map[string]any{
		"id": id, "displayName": name, "parentFolderId": parent,
		"childFolderCount": len(mb.childrenLocked(id, true)), "unreadItemCount": unread, "totalItemCount": total,
		"sizeInBytes": size, "isHidden": hidden,
	}
}

// getFolder serves GET /me/mailFolders/{folder} (a well-known name or an
// id).
func (s *Server) getFolder(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := mb.resolveLocked(r.PathValue("folder"))
	if !ok {
		return notFound("folder " + r.PathValue("folder"))
	}
	body := mb.folderWireLocked(id)
	body["@odata.context"] = s.URL + "/v1.0/$metadata#users('" + mb.id + "')/mailFolders/$entity"
	writeJSON(w, http.StatusOK, body)
	return nil
}

// listFolders serves GET /me/mailFolders (the top-level folders) and
// GET /me/mailFolders/{folder}/childFolders, with $top (default 10),
// $skip, includeHiddenFolders and @odata.nextLink paging.
func (s *Server) listFolders(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	q := r.URL.Query()
	top, skip := 10, 0
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badRequest("Invalid $top value: " + strconv.Quote(v))
		}
		top = n
	}
	if v := q.Get("$skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badRequest("Invalid $skip value: " + strconv.Quote(v))
		}
		skip = n
	}
	hidden := false
	switch v := q.Get("includeHiddenFolders"); v {
	case "", "false":
	case "true":
		hidden = true
	default:
		return badRequest("Invalid value for includeHiddenFolders: " + strconv.Quote(v))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := rootID
	if ref := r.PathValue("folder"); ref != "" {
		var ok bool
		if parent, ok = mb.resolveLocked(ref); !ok {
			return notFound("folder " + ref)
		}
	}
	ids := mb.childrenLocked(parent, hidden)
	value := []any{}
	for _, id := range ids[min(skip, len(ids)):min(skip+top, len(ids))] {
		value = append(value, mb.folderWireLocked(id))
	}
	body := map[string]any{"@odata.context": s.URL + "/v1.0/$metadata#users('" + mb.id + "')/mailFolders", "value": value}
	if skip+top < len(ids) {
		next := url.Values{"$top": {strconv.Itoa(top)}, "$skip": {strconv.Itoa(skip + top)}}
		if hidden {
			next.Set("includeHiddenFolders", "true")
		}
		body["@odata.nextLink"] = s.URL + r.URL.Path + "?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
