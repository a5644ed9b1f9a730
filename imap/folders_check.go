package imap

import (
	"context"
	"fmt"
	"strings"

	"github.com/ucsp/integration/connector"
)

// CheckFolders checks, against Folders, that every folder of
// Config.Folders exists at the server and can be selected, and that
// Config.SentFolder, when set, exists. It returns nil; a *ConfigError
// naming each folder at fault by its Config field ("Folders[1]"), or by
// its JSON settings path ("folders[1]") for a Connector made by Factory;
// or the error that stopped the listing (ErrAuth, ErrTemporary).
//
// A service calls it when an integration's folders are chosen or
// changed, after the connector is built and before the settings are
// saved, so that a misspelt folder is refused naming the field (422)
// instead of failing every sync.
func (c *Connector) CheckFolders(ctx context.Context) error {
	fs, err := c.Folders(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]connector.Folder, len(fs))
	for _, f := range fs {
		byID[f.ID] = f
	}
	e := &ConfigError{Context: configContext}
	check := func(field, name string, selectable bool) {
		f, ok := byID[normalizeFolder(name)]
		switch {
		case !ok:
			msg := fmt.Sprintf("%s does not exist on the server", quoteFolder(name))
			for _, g := range fs {
				if strings.EqualFold(g.ID, name) {
					msg += fmt.Sprintf(" (folder names are case-sensitive: did you mean %s?)", quoteFolder(g.ID))
					break
				}
			}
			e.Addf(field, "%s", msg)
		case selectable && !f.Selectable:
			e.Addf(field, "%s is a level of the folder hierarchy that holds no messages (\\Noselect): it cannot be synced", quoteFolder(name))
		}
	}
	for i, name := range c.cfg.Folders {
		check(fmt.Sprintf("Folders[%d]", i), name, true)
	}
	if c.cfg.SentFolder != "" {
		check("SentFolder", c.cfg.SentFolder, true)
	}
	if len(e.Fields) == 0 {
		return nil
	}
	if c.paths != nil {
		for i, f := range e.Fields {
			e.Fields[i].Field = c.paths.Path(f.Field)
		}
	}
	return e
}
