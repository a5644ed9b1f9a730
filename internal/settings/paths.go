package settings

import (
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

// Rename replaces the Config field names of e's fields with their
// settings paths.
func (p Paths) Rename(e *connector.ValidationError) {
	for i, f := range e.Fields {
		e.Fields[i].Field = p.Path(f.Field)
	}
}
