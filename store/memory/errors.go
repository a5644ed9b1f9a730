package memory

import (
	"fmt"

	"github.com/ucsp/integration/store"
)

// invalid returns a store.ErrInvalid error naming field.
func invalid(field, msg string) error {
	return fmt.Errorf("memory: %w", store.Invalid(field, msg))
}

// notFound returns a store.ErrNotFound error about the thing what.
func notFound(what string) error {
	return fmt.Errorf("memory: %s: %w", what, store.ErrNotFound)
}

// requireTenant checks the tenant id every tenant-scoped method takes.
func requireTenant(tenantID string) error {
	if tenantID == "" {
		return invalid("tenant_id", "is required")
	}
	return nil
}
