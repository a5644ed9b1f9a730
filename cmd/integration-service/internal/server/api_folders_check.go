package server

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/gmail"
)

// folderChecker is a connector that checks the folders its own settings
// name against the mailbox (imap.Connector's CheckFolders), naming the
// settings' JSON fields.
type folderChecker interface {
	CheckFolders(ctx context.Context) error
}

// chosenFolders are the settings that choose which folders sync: imap's
// folders and sent_folder, outlook's folders, gmail's label.
type chosenFolders struct {
	Folders    []string `json:"folders"`
	SentFolder string   `json:"sent_folder"`
	Label      string   `json:"label"`
}

// graphWellKnown are Graph's well-known folder names, which outlook's
// folders may name instead of an id (learn.microsoft.com/graph/api/resources/mailfolder).
var graphWellKnown = []string{
	"archive", "clutter", "conflicts", "conversationhistory", "deleteditems", "drafts", "inbox",
	"junkemail", "localfailures", "msgfolderroot", "outbox", "recoverableitemsdeletions",
	"scheduled", "searchfolders", "sentitems", "serverfailures", "syncissues",
}

// checkChosenFolders checks the folders an integration's config
// chooses to sync against the mailbox's folders, when the config names
// some and the provider lists them, within timeout: each one unknown is
// a field error ("config.folders[1]", "config.label"). The mailbox is
// asked only when the config names folders; a mailbox that cannot be
// listed (unreachable, credentials refused) is not checked: its syncs
// will say why.
func (ic *integrationInput) checkChosenFolders(ctx context.Context, provider string, config json.RawMessage, c connector.Connector) []fieldError {
	var chosen chosenFolders
	if err := json.Unmarshal(config, &chosen); err != nil ||
		(len(chosen.Folders) == 0 && chosen.SentFolder == "" && (chosen.Label == "" || chosen.Label == gmail.AllMail)) {
		return nil
	}
	if ic.folderTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ic.folderTimeout)
		defer cancel()
	}
	var err error
	switch fl, lists := c.(connector.FolderLister); {
	case provider == providerIMAP:
		fc, ok := c.(folderChecker)
		if !ok {
			return nil
		}
		err = fc.CheckFolders(ctx)
	case !lists:
		return nil
	case provider == providerGmail && chosen.Label != "" && chosen.Label != gmail.AllMail:
		err = checkListed(ctx, fl, "label", []string{chosen.Label}, true)
	case provider == providerOutlook && slices.ContainsFunc(chosen.Folders, func(f string) bool { return !slices.Contains(graphWellKnown, strings.ToLower(f)) }):
		err = checkListed(ctx, fl, "folders", chosen.Folders, false, graphWellKnown...)
	}
	var ve *connector.ValidationError
	switch {
	case errors.As(err, &ve):
		errs := make([]fieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			errs[i] = fieldError{Field: configField(f.Field), Message: f.Message}
		}
		return errs
	case err != nil:
		ic.logger.InfoContext(ctx, "the mailbox's folders could not be listed; the folders chosen are not checked", "provider", provider, "error", err)
	}
	return nil
}

// checkListed lists fl's folders and checks ids against them
// (actionrun.CheckFolders); names in known pass without a look.
func checkListed(ctx context.Context, fl connector.FolderLister, field string, ids []string, single bool, known ...string) error {
	fs, err := fl.Folders(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if slices.Contains(known, strings.ToLower(id)) {
			fs = append(fs, connector.Folder{ID: id, Selectable: true})
		}
	}
	return actionrun.CheckFolders(fs, field, ids, single)
}
