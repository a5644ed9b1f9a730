// Command custom-server is a small service of its own built from the
// module's packages: a store, a job queue and the IMAP connector, and nothing
// else. POST /sync enqueues a sync of an IMAP mailbox; a worker runs it
// (connector/syncrun), committing each batch of messages with its cursor
// to the store; GET /messages lists what is stored. Each sync starts where
// the last one ended.
//
//	IMAP_PASSWORD=secret go run ./examples/custom-server \
//	    -imap imap.example.com:993 -email support@example.com
//	curl -X POST localhost:8080/sync
//	curl localhost:8080/messages
//
// Everything is kept in memory by default. -database postgres://... keeps it
// in PostgreSQL (the credentials sealed with the keys of ENCRYPTION_KEYS,
// "id:BASE64KEY"), and -redis redis://... keeps the jobs in Redis, as the
// integration service does in production.
//
// With -events-url (and EVENTS_WEBHOOK_SECRET, a "whsec_" secret), each
// new message is announced to that URL as a message.received event,
// signed per Standard Webhooks: the sync stores the events with the
// messages, in one transaction, and webhook/outbox delivers them, with
// retries, from the same queue's jobs.
//
// Only the "imap" provider is registered, so the program links neither the
// Gmail nor the Microsoft Graph SDK: main_test.go checks it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/imap"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/webhook/outbox"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.Addr, "addr", "localhost:8080", "the address to listen on")
	flag.StringVar(&cfg.DatabaseURL, "database", "", "a postgres:// URL; empty: keep everything in memory")
	flag.StringVar(&cfg.RedisURL, "redis", "", "a redis:// URL; empty: keep the jobs in memory")
	flag.StringVar(&cfg.IMAPAddr, "imap", "", "the IMAP server, host:port")
	flag.StringVar(&cfg.IMAPSecurity, "imap-security", "tls", `"tls", "starttls" or "none" (plaintext, loopback only)`)
	flag.StringVar(&cfg.Email, "email", "", "the mailbox's address")
	flag.StringVar(&cfg.IMAPUser, "imap-user", "", "the IMAP login name; empty: -email")
	flag.StringVar(&cfg.Folder, "folder", "INBOX", "the folder to sync")
	flag.StringVar(&cfg.EventsURL, "events-url", "", "where to POST signed message.received events; empty: none")
	flag.Parse()
	cfg.IMAPPassword = os.Getenv("IMAP_PASSWORD")
	cfg.EventsSecret = os.Getenv("EVENTS_WEBHOOK_SECRET")
	cfg.EncryptionKeys = os.Getenv("ENCRYPTION_KEYS")
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "custom-server:", err)
		os.Exit(1)
	}
}

// config is run's input.
type config struct {
	Addr           string
	DatabaseURL    string // empty: store/memory
	EncryptionKeys string // for PostgreSQL
	RedisURL       string // empty: queue.NewMemory
	RedisPrefix    string // Redis key prefix; empty: the queue's default
	IMAPAddr       string // host:port
	IMAPSecurity   string
	Email          string
	IMAPUser       string
	IMAPPassword   string
	Folder         string
	EventsURL      string // empty: no events
	EventsSecret   string // whsec_...
	Logger         *slog.Logger
}

// tenant owns the one integration of this example. A real service has a
// tenant per customer, from its API key.
const tenant = "demo"

// server holds what the routes and the job handler share.
type server struct {
	store    store.Store
	broker   queue.Broker
	registry *connector.Registry
	syncs    *syncrun.Runner
	events   *outbox.Outbox // nil without -events-url
	logger   *slog.Logger

	mu  sync.Mutex // serializes writes to out
	out io.Writer
}

func (s *server) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.out, format, args...)
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	broker, closeBroker, err := openBroker(cfg)
	if err != nil {
		return err
	}
	defer closeBroker()

	// A registry of the providers this program links: IMAP only.
	var reg connector.Registry
	if err := reg.Register(imap.ProviderName, imap.Factory(imap.FactoryOptions{})); err != nil {
		return err
	}
	events, err := openOutbox(cfg, st, broker)
	if err != nil {
		return err
	}
	s := &server{store: st, broker: broker, registry: &reg, events: events, logger: cfg.Logger, out: out}

	in, err := s.createIntegration(ctx, cfg)
	if err != nil {
		return err
	}

	if s.syncs, err = s.newSyncRunner(); err != nil {
		return err
	}
	var mux queue.Mux
	s.syncs.Register(&mux)
	var periodic []queue.Periodic
	if events != nil {
		// The outbox's jobs: one delivery per event, and the sweep that
		// enqueues the events whose enqueue was lost.
		events.Register(&mux)
		periodic = append(periodic, events.Periodic())
	}
	w, err := queue.NewWorker(broker, &mux, queue.WorkerConfig{Concurrency: 2, Logger: cfg.Logger, Periodic: periodic})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	s.printf("integration %s: %s at %s\n", in.ID, cfg.Email, cfg.IMAPAddr)
	s.printf("listening on http://%s\n", ln.Addr())

	// The worker and the HTTP server run until ctx ends.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workerDone := make(chan error, 1)
	go func() { workerDone <- w.Run(ctx) }()
	srv := &http.Server{Handler: s.routes(in), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutCtx, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelShutdown()
		_ = srv.Shutdown(shutCtx)
	}()
	serveErr := srv.Serve(ln)
	cancel()
	workErr := <-workerDone
	if !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return workErr
}

// createIntegration stores the mailbox: its settings as the imap
// provider reads them, and its password, which the store seals.
func (s *server) createIntegration(ctx context.Context, cfg config) (*store.Integration, error) {
	host, port, err := net.SplitHostPort(cfg.IMAPAddr)
	if err != nil {
		return nil, fmt.Errorf("-imap: %w", err)
	}
	portNum, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("-imap: bad port %q", port)
	}
	settings, err := json.Marshal(imap.Settings{
		Email:   cfg.Email,
		IMAP:    imap.ServerSettings{Host: host, Port: portNum, Security: imap.Security(cfg.IMAPSecurity), Username: cfg.IMAPUser},
		Folders: []string{cfg.Folder},
	})
	if err != nil {
		return nil, err
	}
	// What the folder holds when the service starts is its history:
	// stored, and here announced too (by default a sync announces only
	// mail that arrives after the integration was created).
	in := &store.Integration{TenantID: tenant, Provider: imap.ProviderName, Name: cfg.Email, Config: settings,
		Backfill: store.Backfill{AnnounceHistory: true}}
	err = s.store.CreateIntegration(ctx, in, connector.Credentials{Password: cfg.IMAPPassword})
	return in, err
}

// routes are the HTTP API of the integration in.
func (s *server) routes(in *store.Integration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sync", func(w http.ResponseWriter, r *http.Request) {
		// Triggers coalesce: while a sync of the mailbox is pending,
		// another request adds nothing; during one, it records exactly
		// one more run.
		res, err := s.syncs.Trigger(r.Context(), in.TenantID, in.ID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"job_id": res.ID, "duplicate": res.Duplicate})
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		n, err := s.store.CountMessages(r.Context(), in.TenantID, in.ID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page, err := s.store.ListMessages(r.Context(), in.TenantID, in.ID, store.ListMessagesOptions{
			ListOptions: store.ListOptions{Cursor: r.URL.Query().Get("cursor")},
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": n, "data": page.Items, "next_cursor": page.NextCursor})
	})
	return mux
}
