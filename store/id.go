package store

import "github.com/google/uuid"

// NewID returns a new row id: a UUIDv7, whose text sorts in creation order
// within a process. Store implementations use it for every id they fill
// in, and page by it.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// ValidID reports whether id has the form of an id NewID makes, so that a
// malformed id from a request can be answered as missing without a query.
func ValidID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}
