package actionrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// Folders returns the folders of the tenant's integration id, as its
// connector lists them (connector.FolderLister). An unknown integration,
// or another tenant's, is store.ErrNotFound; a provider without folders
// (a custom source) is an *UnsupportedError; credentials the provider
// refuses go through Options.Failures (needs_reauth) and are returned as
// the connector's connector.ErrAuth error.
func (r *Runner) Folders(ctx context.Context, tenantID, integrationID string) ([]connector.Folder, error) {
	in, err := r.store.GetIntegration(ctx, tenantID, integrationID)
	if err != nil {
		return nil, err
	}
	c, err := r.open(ctx, in, "folders")
	if err != nil {
		return nil, err
	}
	defer closeConnector(c)
	fl, ok := c.(connector.FolderLister)
	if !ok {
		return nil, &UnsupportedError{Provider: in.Provider, What: "folders"}
	}
	fs, err := fl.Folders(ctx)
	if err != nil {
		return nil, r.failed(ctx, in, "listing folders", err)
	}
	return fs, nil
}

// open builds in's connector, or says why it cannot be.
func (r *Runner) open(ctx context.Context, in *store.Integration, what string) (connector.Connector, error) {
	if !r.served(in.Provider) {
		return nil, &UnsupportedError{Provider: in.Provider, What: what}
	}
	c, err := r.connect(ctx, in)
	switch {
	case errors.Is(err, connector.ErrUnknownProvider):
		return nil, &UnsupportedError{Provider: in.Provider, What: what}
	case err != nil:
		return nil, r.failed(ctx, in, "building the connector", err)
	}
	return c, nil
}

// failed records err on in through Options.Failures and returns it,
// prefixed with op.
func (r *Runner) failed(ctx context.Context, in *store.Integration, op string, err error) error {
	err = fmt.Errorf("actionrun: %s: %w", op, err)
	if r.failures != nil {
		_ = r.failures.JobError(ctx, in, op, err, syncrun.ScopeOperation)
	}
	return err
}

// closeConnector closes c if it holds connections.
func closeConnector(c connector.Connector) {
	if cl, ok := c.(io.Closer); ok {
		_ = cl.Close()
	}
}

// FindFolder returns the folder of fs whose ID is id; IMAP's INBOX is
// found whatever its case (RFC 3501 §5.1).
func FindFolder(fs []connector.Folder, id string) (connector.Folder, bool) {
	for _, f := range fs {
		if f.ID == id || (strings.EqualFold(id, "INBOX") && strings.EqualFold(f.ID, "INBOX")) {
			return f, true
		}
	}
	return connector.Folder{}, false
}

// CheckFolders checks that each of ids names a selectable folder of fs
// and returns a *connector.ValidationError naming each one that does
// not as field[i] (or field alone for one id when single), or nil.
// A service uses it to validate the folders an integration's settings
// choose to sync against the mailbox's list.
func CheckFolders(fs []connector.Folder, field string, ids []string, single bool) error {
	v := &connector.ValidationError{Context: "actionrun: unknown folder"}
	for i, id := range ids {
		name := field
		if !single {
			name = fmt.Sprintf("%s[%d]", field, i)
		}
		f, ok := FindFolder(fs, id)
		switch {
		case !ok:
			v.Addf(name, "is not a folder of this mailbox: %q (see the integration's folders)", id)
		case !f.Selectable:
			v.Addf(name, "names %q, a level of the folder hierarchy that holds no messages", id)
		}
	}
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}
