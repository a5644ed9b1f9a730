package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ucsp/integration/store"
)

// SQLSTATE codes the store maps to store errors.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// wrapErr prefixes err with the operation, mapping pgx.ErrNoRows to
// store.ErrNotFound and marking an unreachable database
// store.ErrUnavailable. Errors that are already the store's pass through
// with the prefix only.
func wrapErr(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(op)
	}
	return unavailable(fmt.Errorf("postgres: %s: %w", op, err))
}

// notFound is store.ErrNotFound for op.
func notFound(op string) error {
	return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
}

// pgCode returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func pgCode(err error) string {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code
	}
	return ""
}
