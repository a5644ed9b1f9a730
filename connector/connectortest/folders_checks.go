package connectortest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// FolderExpectations is what RunFolders must find in the mailbox behind a
// connector.FolderLister, as the test prepared it.
type FolderExpectations struct {
	// Roles are the roles the mailbox has a folder for: each must be on
	// a listed, selectable, System folder. RoleInbox is always expected,
	// named here or not.
	Roles []connector.Role
	// Present are Folder.IDs that must be listed and selectable (folders
	// the test created).
	Present []string
	// Unselectable are Folder.IDs that must be listed with Selectable
	// false (an IMAP \Noselect level of the hierarchy).
	Unselectable []string
	// Counts are the message counts some folders must report, by
	// Folder.ID; such a folder must be Counted.
	Counts map[string]FolderCount
	// Timeout bounds the Folders call; 0 means one minute.
	Timeout time.Duration
}

// FolderCount is a folder's expected Total and Unseen.
type FolderCount struct {
	Total, Unseen int64
}

// RunFolders lists c's folders and checks them against want and the
// contract of connector.Folder: IDs non-empty and unique, names
// non-empty, every Parent a listed folder, roles valid, counts
// consistent (Unseen at most Total; zero unless Counted), the expected
// roles, folders and counts present.
func RunFolders(t *testing.T, c connector.FolderLister, want FolderExpectations) {
	t.Helper()
	timeout := want.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	fs, err := c.Folders(ctx)
	require.NoError(t, err, "Folders")
	require.NotEmpty(t, fs, "Folders returned no folder")

	byID := map[string]connector.Folder{}
	t.Run("Contract", func(t *testing.T) {
		for i, f := range fs {
			require.NotEmpty(t, f.ID, "folder %d has no ID", i)
			require.NotContains(t, byID, f.ID, "folder ID %q is listed twice", f.ID)
			byID[f.ID] = f
			require.NotEmpty(t, f.Name, "folder %q has no Name", f.ID)
			if f.Role != connector.RoleNone {
				require.True(t, f.Role.Valid(), "folder %q has role %q, not one of %v", f.ID, f.Role, connector.Roles)
			}
			require.GreaterOrEqual(t, f.Total, int64(0), "folder %q Total", f.ID)
			require.GreaterOrEqual(t, f.Unseen, int64(0), "folder %q Unseen", f.ID)
			require.LessOrEqual(t, f.Unseen, f.Total, "folder %q has more unseen messages than messages", f.ID)
			if !f.Counted {
				require.Zero(t, f.Total, "folder %q is not Counted but has a Total", f.ID)
				require.Zero(t, f.Unseen, "folder %q is not Counted but has an Unseen count", f.ID)
			}
		}
		for _, f := range fs {
			if f.Parent != "" {
				require.Contains(t, byID, f.Parent, "folder %q has Parent %q, which is not listed", f.ID, f.Parent)
				require.NotEqual(t, f.ID, f.Parent, "folder %q is its own parent", f.ID)
			}
		}
	})

	t.Run("Roles", func(t *testing.T) {
		roles := slices.Clone(want.Roles)
		if !slices.Contains(roles, connector.RoleInbox) {
			roles = append(roles, connector.RoleInbox)
		}
		for _, r := range roles {
			f, ok := connector.FolderByRole(fs, r)
			require.True(t, ok, "no folder has role %q; folders: %v", r, folderSummary(fs))
			require.True(t, f.Selectable, "the %q folder %q is not selectable", r, f.ID)
			if r != connector.RoleNone {
				require.True(t, f.System, "the %q folder %q is not System", r, f.ID)
			}
		}
	})

	t.Run("Present", func(t *testing.T) {
		for _, id := range want.Present {
			f, ok := byID[id]
			require.True(t, ok, "folder %q is not listed; folders: %v", id, folderSummary(fs))
			require.True(t, f.Selectable, "folder %q is not selectable", id)
		}
		for _, id := range want.Unselectable {
			f, ok := byID[id]
			require.True(t, ok, "folder %q is not listed; folders: %v", id, folderSummary(fs))
			require.False(t, f.Selectable, "folder %q is selectable", id)
		}
	})

	t.Run("Counts", func(t *testing.T) {
		for id, n := range want.Counts {
			f, ok := byID[id]
			require.True(t, ok, "folder %q is not listed", id)
			require.True(t, f.Counted, "folder %q is not Counted", id)
			require.Equal(t, n, FolderCount{Total: f.Total, Unseen: f.Unseen}, "counts of folder %q", id)
		}
	})
}

func folderSummary(fs []connector.Folder) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
		if f.Role != connector.RoleNone {
			out[i] += "(" + string(f.Role) + ")"
		}
	}
	return out
}
