package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/secrets"
)

var _ store.Store = (*Store)(nil)

// Options configures a Store. The zero value is not usable: Keyring is
// required.
type Options struct {
	// Keyring seals credentials, PKCE verifiers and push subscriptions'
	// client states before they are stored and opens them again.
	// Required.
	Keyring *secrets.Keyring
	// MaxConns is the size of the pool Open builds; 0 keeps pgxpool's
	// default (the greater of 4 and the number of CPUs) or the url's
	// pool_max_conns. New ignores it: the caller's pool is used as it is.
	MaxConns int32
	// Migrate makes Open apply pending migrations (see Migrate) before it
	// returns. New, which has no context to run them with, refuses it:
	// call Migrate yourself before New.
	Migrate bool
	// Logger receives the store's logs: the migrations Open applied, and
	// a warning when the database is newer than this binary. nil means
	// slog.Default().
	Logger *slog.Logger
}

// Store is a store.Store on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool     *pgxpool.Pool
	ownsPool bool
	keyring  *secrets.Keyring
	logger   *slog.Logger
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgxpool.ParseConfig reads it), checks that it
// answers, applies pending migrations when opts.Migrate is set, and
// returns a Store that owns the pool: Close closes it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.MaxConns < 0 {
		return nil, fmt.Errorf("postgres: Options.MaxConns is %d: want 0 (the default) or more", opts.MaxConns)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn redacts the password from the connection string it quotes.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, unavailable(fmt.Errorf("postgres: open: %w", err))
	}
	s := newStore(pool, opts)
	s.ownsPool = true
	if opts.Migrate {
		applied, err := migrate(ctx, pool, s.logger)
		if err != nil {
			pool.Close()
			return nil, err
		}
		if len(applied) > 0 {
			s.logger.InfoContext(ctx, "postgres: applied migrations", slog.Any("versions", applied))
		}
	}
	return s, nil
}

// New returns a Store on the caller's pool, whose schema Migrate has
// brought up to date. Close does not close the pool.
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("postgres: New: pool is nil")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Migrate {
		return nil, errors.New("postgres: New: Options.Migrate is set, but New has no context to migrate with: call Migrate before New")
	}
	return newStore(pool, opts), nil
}

func (o *Options) validate() error {
	if o.Keyring == nil {
		return errors.New("postgres: Options.Keyring is required: it seals credentials at rest")
	}
	return nil
}

func newStore(pool *pgxpool.Pool, opts Options) *Store {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Store{pool: pool, keyring: opts.Keyring, logger: logger}
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return unavailable(fmt.Errorf("postgres: ping: %w", err))
	}
	return nil
}

// Close closes the pool if Open made it; a pool given to New is left
// open for its owner. Close waits for connections in use to be released.
func (s *Store) Close() error {
	if s.ownsPool {
		s.pool.Close()
	}
	return nil
}

// now returns the time the store records, at the precision PostgreSQL
// keeps (microseconds) and in UTC, so that a value the store fills in
// reads back equal.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
