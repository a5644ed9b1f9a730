package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// lockName is hashed with current_schema() into the key of the advisory
// lock Migrate holds, so that migrations of one schema serialize and those
// of different schemas do not.
const lockName = "github.com/ucsp/integration/store/postgres.Migrate:"

// migration is one embedded migration file, NNNN_name.sql.
type migration struct {
	version  int
	name     string
	sql      string
	checksum string
}

// Migrate brings the schema that pool's connections use (their
// search_path) up to date: it applies each embedded migration the
// database has not recorded, in version order, each in its own
// transaction, and returns the versions it applied.
//
// Migrations are forward-only and recorded in schema_migrations with a
// checksum of their text. Migrate holds a PostgreSQL advisory lock,
// specific to the schema, for the whole run, so processes that start at
// the same time apply each migration once: the others wait, then find
// nothing to do. A recorded migration whose checksum differs from the
// embedded file is an error (a shipped migration was edited); versions
// newer than this binary knows are not (a newer release migrated the
// database during a rolling deploy) and are logged as a warning through
// slog.Default(). Migrate logs nothing else: the caller logs what it
// applied, if it likes.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]int, error) {
	if pool == nil {
		return nil, errors.New("postgres: migrate: pool is nil")
	}
	return migrate(ctx, pool, slog.Default())
}

func migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) (applied []int, err error) {
	migrations, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()

	const lockKey = `hashtextextended($1 || current_schema(), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`, lockName); err != nil {
		return nil, fmt.Errorf("postgres: migrate: take lock: %w", err)
	}
	defer func() {
		// Unlock with a fresh context: ctx may be why we are leaving. If
		// the unlock fails, close the connection, which releases the lock.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, uerr := conn.Exec(uctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, lockName); uerr != nil {
			_ = conn.Conn().Close(uctx)
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		checksum   text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, fmt.Errorf("postgres: migrate: create schema_migrations: %w", err)
	}

	recorded, err := recordedMigrations(ctx, conn.Conn())
	if err != nil {
		return nil, err
	}
	known := make(map[int]bool, len(migrations))
	for _, m := range migrations {
		known[m.version] = true
		sum, ok := recorded[m.version]
		if !ok {
			continue
		}
		if sum != m.checksum {
			return nil, fmt.Errorf("postgres: migrate: migration %d (%s) was changed after it was applied: recorded checksum %s, embedded file %s", m.version, m.name, sum, m.checksum)
		}
	}
	var newer []int
	for v := range recorded {
		if !known[v] {
			newer = append(newer, v)
		}
	}
	if len(newer) > 0 {
		slices.Sort(newer)
		logger.WarnContext(ctx, "postgres: the database has migrations this binary does not know; a newer release applied them",
			slog.Any("versions", newer))
	}

	for _, m := range migrations {
		if _, ok := recorded[m.version]; ok {
			continue
		}
		if err := applyMigration(ctx, conn.Conn(), m); err != nil {
			return applied, err
		}
		applied = append(applied, m.version)
	}
	return applied, nil
}

func recordedMigrations(ctx context.Context, conn *pgx.Conn) (map[int]string, error) {
	rows, err := conn.Query(ctx, `SELECT version, checksum FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: read schema_migrations: %w", err)
	}
	recorded := make(map[int]string)
	var (
		version int
		sum     string
	)
	_, err = pgx.ForEachRow(rows, []any{&version, &sum}, func() error {
		recorded[version] = sum
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: read schema_migrations: %w", err)
	}
	return recorded, nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, m migration) error {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Without arguments, Exec uses the simple protocol, which runs a
		// file of several statements.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
			m.version, m.name, m.checksum)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: apply %d (%s): %w", m.version, m.name, err)
	}
	return nil
}

// loadMigrations reads the migrations in fsys's migrations directory,
// sorted by version.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	var out []migration
	for _, e := range entries {
		m, err := parseMigrationName(e.Name())
		if err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(fsys, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("postgres: migrate: %w", err)
		}
		sum := sha256.Sum256(b)
		m.sql, m.checksum = string(b), hex.EncodeToString(sum[:])
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("postgres: migrate: two migrations have version %d", out[i].version)
		}
	}
	return out, nil
}

// parseMigrationName reads "0001_init.sql" as version 1, name "init".
func parseMigrationName(file string) (migration, error) {
	base, ok := strings.CutSuffix(file, ".sql")
	digits, name, ok2 := strings.Cut(base, "_")
	version, err := strconv.Atoi(digits)
	if !ok || !ok2 || err != nil || version <= 0 || name == "" {
		return migration{}, fmt.Errorf("postgres: migrate: file %q: want NNNN_name.sql", file)
	}
	return migration{version: version, name: name}, nil
}
