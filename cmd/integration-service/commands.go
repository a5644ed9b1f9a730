package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ucsp/integration/cmd/integration-service/internal/server"
)

// run dispatches a subcommand and returns the process's exit code: 0 on
// success, 1 on failure, 2 on bad usage.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "all"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "all", "serve", "worker":
		err = serve(ctx, server.Role(cmd), getenv, stderr)
	case "migrate":
		err = migrate(ctx, getenv, stderr)
	case "healthcheck":
		err = healthcheck(ctx, args, getenv)
	case "token":
		err = token(args, getenv, stdout, stderr)
	case "monitor":
		err = monitor(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version())
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
	default:
		fmt.Fprintf(stderr, "integration-service: unknown command %q\n%s\n", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "integration-service:", err)
		return 1
	}
	return 0
}

const usage = `usage: integration-service [all|serve|worker|migrate|healthcheck [ready|live]|monitor [-w] [-url URL]|token -tenant ID|version]`

func serve(ctx context.Context, role server.Role, getenv func(string) string, stderr io.Writer) error {
	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger, logs := server.NewLogger(cfg, stderr)
	defer func() { _ = logs.Close() }()
	app, err := server.New(ctx, cfg, server.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer func() { _ = app.Close() }()
	return app.Run(ctx, role)
}

func migrate(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, err := server.LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger, logs := server.NewLogger(cfg, stderr)
	defer func() { _ = logs.Close() }()
	return server.Migrate(ctx, cfg, logger)
}

// healthcheck probes the instance on this host's PORT: its readiness by
// default, its liveness with "live". It reads nothing but PORT, so that
// it works whatever else the environment holds.
func healthcheck(ctx context.Context, args []string, getenv func(string) string) error {
	path := "/health/ready"
	if len(args) > 0 && args[0] == "live" {
		path = "/health/live"
	}
	port := 3003
	if v := getenv("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("PORT: %q is not a TCP port number", v)
		}
		port = p
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+strconv.Itoa(port)+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", path, resp.Status)
	}
	return nil
}

// token prints an API token signed with JWT_SECRET, with the iss and
// aud claims that JWT_ISSUER and JWT_AUDIENCE make the server require,
// and a lifetime within JWT_MAX_TTL.
func token(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", "", "tenant_id claim (required)")
	sub := fs.String("sub", "operator", "sub claim")
	tier := fs.String("tier", "", "rate-limit tier claim")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret := getenv("JWT_SECRET")
	switch {
	case *tenant == "":
		return errors.New("token: -tenant is required")
	case secret == "":
		return errors.New("token: JWT_SECRET is not set (the server generates an ephemeral one then, which no token can match)")
	}
	maxTTL := 24 * time.Hour
	if v := getenv("JWT_MAX_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("token: JWT_MAX_TTL: %q is not a duration such as 24h", v)
		}
		maxTTL = d
	}
	if *ttl <= 0 || *ttl > maxTTL {
		return fmt.Errorf("token: -ttl must be positive and at most JWT_MAX_TTL (%s): the server refuses longer-lived tokens", maxTTL)
	}
	t, err := server.NewTokenWith([]byte(secret), *tenant, *sub, server.TokenOptions{
		Tier: *tier, TTL: *ttl, Issuer: getenv("JWT_ISSUER"), Audience: getenv("JWT_AUDIENCE"),
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t)
	return nil
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "integration-service (unknown version)"
	}
	v := "integration-service " + bi.Main.Version + " " + bi.GoVersion
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return strings.TrimSpace(v)
}
