package imap

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

// markSpecialUse rewrites the server's LIST answers so that the named
// mailboxes carry a special-use attribute (go-imap's memory server keeps
// none: it ignores CREATE's USE option).
func markSpecialUse(marks map[string]imap.MailboxAttr) func([]byte) []byte {
	return func(line []byte) []byte {
		if !bytes.HasPrefix(line, []byte("* LIST (")) {
			return line
		}
		for name, attr := range marks {
			for _, tail := range []string{` "/" ` + name + "\r\n", ` "/" "` + name + `"` + "\r\n"} {
				if bytes.HasSuffix(line, []byte(tail)) {
					sep := " "
					if bytes.HasPrefix(line, []byte("* LIST ()")) {
						sep = ""
					}
					return append([]byte("* LIST ("+string(attr)+sep), line[len("* LIST ("):]...)
				}
			}
		}
		return line
	}
}

// memSpecialUse is a memory server, behind a proxy that marks Archive,
// Sent and Trash with their special-use attributes, with those folders
// created.
type memSpecialUse struct {
	srv *memServer
	adm *admin
	cfg Config // through the proxy
}

func newMemSpecialUse(t *testing.T, caps []imap.Cap) *memSpecialUse {
	t.Helper()
	srv := newMemServer(t, memOptions{caps: caps})
	adm := srv.admin()
	for _, f := range []string{"Archive", "Sent", "Trash"} {
		adm.create(f)
	}
	p := newProxy(t, srv.addr, markSpecialUse(map[string]imap.MailboxAttr{
		"Archive": imap.MailboxAttrArchive, "Sent": imap.MailboxAttrSent, "Trash": imap.MailboxAttrTrash,
	}))
	cfg := srv.config("INBOX")
	cfg.Host, cfg.Port = splitAddr(t, p.addr())
	return &memSpecialUse{srv: srv, adm: adm, cfg: cfg}
}

func TestFoldersMemServer(t *testing.T) {
	t.Parallel()
	for name, caps := range map[string][]imap.Cap{
		// One LIST RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN)).
		"list-status": {imap.CapUIDPlus, imap.CapSpecialUse, imap.CapListExtended, imap.CapListStatus},
		// A plain LIST, then one STATUS per folder.
		"status": {imap.CapUIDPlus, imap.CapSpecialUse},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMemSpecialUse(t, caps)
			m.adm.create("Support")
			m.adm.create("Lists/Go") // "Lists" itself is never created
			m.adm.appendMsg("Support", testMessage("a"))
			m.adm.appendMsg("Support", testMessage("b"), imap.FlagSeen)
			m.adm.appendMsg("Support", testMessage("c"))
			c := newConnector(t, m.cfg)

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			fs, err := c.Folders(ctx)
			require.NoError(t, err)
			byID := map[string]connector.Folder{}
			for _, f := range fs {
				byID[f.ID] = f
			}
			require.Equal(t, connector.Folder{ID: "INBOX", Name: "INBOX", Role: connector.RoleInbox, System: true, Selectable: true, Counted: true}, byID["INBOX"])
			require.Equal(t, connector.Folder{ID: "Archive", Name: "Archive", Role: connector.RoleArchive, System: true, Selectable: true, Counted: true}, byID["Archive"])
			require.Equal(t, connector.Folder{ID: "Support", Name: "Support", Selectable: true, Total: 3, Unseen: 2, Counted: true}, byID["Support"])
			require.Equal(t, connector.Folder{ID: "Lists/Go", Name: "Go", Parent: "Lists", Selectable: true, Counted: true}, byID["Lists/Go"])
			require.Equal(t, connector.Folder{ID: "Lists", Name: "Lists"}, byID["Lists"], "a level the server does not list is listed unselectable")

			connectortest.RunFolders(t, c, connectortest.FolderExpectations{
				Roles:        []connector.Role{connector.RoleArchive, connector.RoleSent, connector.RoleTrash},
				Present:      []string{"Support", "Lists/Go"},
				Unselectable: []string{"Lists"},
				Counts:       map[string]connectortest.FolderCount{"Support": {Total: 3, Unseen: 2}, "Archive": {}},
			})
		})
	}
}

func TestFoldersWithoutSpecialUseHaveNoRolesButInbox(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Archive")
	adm.create("Sent")
	c := newConnector(t, srv.config())
	fs, err := c.Folders(context.Background())
	require.NoError(t, err)
	for _, f := range fs {
		if f.ID == "INBOX" {
			require.Equal(t, connector.RoleInbox, f.Role)
			continue
		}
		require.Equal(t, connector.RoleNone, f.Role, "folder %q: no role from a name alone", f.ID)
		require.False(t, f.System, "folder %q", f.ID)
	}
	require.Len(t, fs, 3)
}

func TestCheckFolders(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Support")
	adm.create("Lists/Go")

	cfg := srv.config("inbox", "Support", "support-typo", "SUPPORT", "Lists")
	cfg.SentFolder = "Sent"
	err := newConnector(t, cfg).CheckFolders(context.Background())
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"Folders[2]", "Folders[3]", "Folders[4]", "SentFolder"}, fieldNames(ce))
	require.Contains(t, ce.Fields[1].Message, `did you mean "Support"`)
	require.Contains(t, ce.Fields[2].Message, `\Noselect`)

	require.NoError(t, newConnector(t, srv.config("INBOX", "Support", "Lists/Go")).CheckFolders(context.Background()))

	// Made by Factory: the fields are named as in the JSON settings.
	host, port := srv.hostPort()
	settings, err := json.Marshal(map[string]any{
		"email": testUser, "imap": map[string]any{"host": host, "port": port, "security": "none"},
		"folders": []string{"INBOX", "Nope"}, "sent_folder": "Support",
	})
	require.NoError(t, err)
	cc, err := Factory(FactoryOptions{})(context.Background(), connector.Config{Provider: "imap", Settings: settings, Credentials: connector.Credentials{Password: testPassword}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cc.(*Connector).Close() })
	err = cc.(*Connector).CheckFolders(context.Background())
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"folders[1]"}, fieldNames(ce))
}

func fieldNames(v *connector.ValidationError) []string {
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestDovecotFolders(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	folder := d.folder(t, adm)
	adm.create(folder + "/sub")
	parent := randomName(testFolderPrefix+"p"+time.Now().Format("0102")) + "/leaf"
	parentName := parent[:len(parent)-len("/leaf")]
	adm.create(parent) // Dovecot lists the level above as \Noselect
	t.Cleanup(func() {
		cleanup := newAdmin(t, d.addr, d.user, d.password)
		_ = cleanup.delete(parent)
		_ = cleanup.delete(parentName)
	})
	adm.appendMsg(folder, testMessage("a"))
	adm.appendMsg(folder, testMessage("b"), imap.FlagSeen)

	c := newConnector(t, d.config())
	connectortest.RunFolders(t, c, connectortest.FolderExpectations{
		Roles:        []connector.Role{connector.RoleArchive, connector.RoleDrafts, connector.RoleJunk, connector.RoleSent, connector.RoleTrash},
		Present:      []string{folder, folder + "/sub", parent},
		Unselectable: []string{parentName},
		Counts:       map[string]connectortest.FolderCount{folder: {Total: 2, Unseen: 1}, folder + "/sub": {}},
	})
	fs, err := c.Folders(context.Background())
	require.NoError(t, err)
	for _, f := range fs {
		if f.ID == folder+"/sub" {
			require.Equal(t, connector.Folder{ID: folder + "/sub", Name: "sub", Parent: folder, Selectable: true, Counted: true}, f)
		}
	}
	require.NoError(t, newConnector(t, d.config("INBOX", folder, folder+"/sub")).CheckFolders(context.Background()))
}

func TestFoldersNonExistentIsUnselectable(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{caps: []imap.Cap{imap.CapSpecialUse}})
	adm := srv.admin()
	adm.create("Ghost")
	adm.create("Ghost/Child")
	adm.create("Junk")
	p := newProxy(t, srv.addr, markSpecialUse(map[string]imap.MailboxAttr{"Ghost": imap.MailboxAttrNonExistent, "Junk": imap.MailboxAttrJunk}))
	cfg := srv.config()
	cfg.Host, cfg.Port = splitAddr(t, p.addr())
	fs, err := newConnector(t, cfg).Folders(context.Background())
	require.NoError(t, err)
	require.Len(t, fs, 4)
	for _, f := range fs {
		switch f.ID {
		case "Ghost":
			require.Equal(t, connector.Folder{ID: "Ghost", Name: "Ghost"}, f, "\\NonExistent: listed, not selectable, not counted")
		case "Ghost/Child":
			require.Equal(t, connector.Folder{ID: "Ghost/Child", Name: "Child", Parent: "Ghost", Selectable: true, Counted: true}, f)
		case "Junk":
			require.Equal(t, connector.Folder{ID: "Junk", Name: "Junk", Role: connector.RoleJunk, System: true, Selectable: true, Counted: true}, f)
		}
	}
}
