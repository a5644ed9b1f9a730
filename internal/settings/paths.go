package settings

import (
	"errors"
	"strings"

	"github.com/ucsp/integration/connector"
)

// Paths maps the name of a Config field, as a provider's validation
// reports it ("Email", "Folders[1]"), to the JSON settings path the
// user wrote ("email", "folders[1]"), or to "credentials" for a field
// the credentials fill.
type Paths map[string]string

// Path returns the settings path of the Config field f. An index or key
// after the name ("[1]") is kept after the name's path; a name without
// an entry is returned as it is.
func (p Paths) Path(f string) string {
	name, rest := f, ""
	if i := strings.IndexByte(f, '['); i >= 0 {
		name, rest = f[:i], f[i:]
	}
	if path, ok := p[name]; ok {
		return path + rest
	}
	return f
}

// Rename replaces the Config field names of the *connector.ValidationError
// in err's chain, if any, with their settings paths, and returns err.
func (p Paths) Rename(err error) error {
	if e, ok := errors.AsType[*connector.ValidationError](err); ok {
		for i, f := range e.Fields {
			e.Fields[i].Field = p.Path(f.Field)
		}
	}
	return err
}
