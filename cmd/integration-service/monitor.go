package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// errUnhealthy: monitor found the instance not passing.
var errUnhealthy = errors.New("the instance is not healthy")

// monitor prints an instance's health checks and queue statistics (GET
// /health/detailed and /health/queue-stats) as the seed's monitor.sh
// did: once, exiting 1 unless the instance passes; or, with -w, again
// every -interval until interrupted. It asks the admin listener
// (ADMIN_ADDR) when one is configured, else the public one with
// ADMIN_TOKEN as its bearer token: both reports are for operators.
func monitor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("monitor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := getenv("PORT")
	if port == "" {
		port = "3003"
	}
	def := "http://127.0.0.1:" + port
	if addr := getenv("ADMIN_ADDR"); addr != "" {
		def = "http://" + addr
	}
	base := fs.String("url", def, "the instance's base URL (default: ADMIN_ADDR, else PORT on this host)")
	watch := fs.Bool("w", false, "watch: print again every -interval until interrupted")
	interval := fs.Duration("interval", 5*time.Second, "how often -w prints")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base2 := strings.TrimSuffix(*base, "/")
	for {
		err := monitorOnce(ctx, base2, getenv("ADMIN_TOKEN"), stdout)
		if !*watch {
			return err
		}
		if err != nil {
			fmt.Fprintln(stdout, "!", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
			fmt.Fprintln(stdout)
		}
	}
}

// healthReport is /health/detailed's JSON.
type healthReport struct {
	Status string `json:"status"`
	Checks map[string][]struct {
		Status    string  `json:"status"`
		Critical  bool    `json:"critical"`
		LatencyMS float64 `json:"latencyMs"`
		Output    string  `json:"output"`
	} `json:"checks"`
}

// queueReport is /health/queue-stats's JSON.
type queueReport struct {
	Queues []struct {
		Queue                                   string
		Paused                                  bool
		Pending, Active, Scheduled, Retry, Dead int64
		Processed, Failed                       int64
		OldestPendingSeconds                    float64 `json:"oldest_pending_seconds"`
	} `json:"queues"`
}

func monitorOnce(ctx context.Context, base, adminToken string, out io.Writer) error {
	var h healthReport
	hErr := getJSON(ctx, base+"/health/detailed", adminToken, &h)
	var q queueReport
	qErr := getJSON(ctx, base+"/health/queue-stats", adminToken, &q)
	fmt.Fprintf(out, "%s  %s\n", time.Now().UTC().Format(time.RFC3339), base)
	if hErr != nil {
		return fmt.Errorf("health: %w", hErr)
	}
	fmt.Fprintf(out, "status: %s\n", h.Status)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tCRITICAL\tLATENCY\tOUTPUT")
	names := make([]string, 0, len(h.Checks))
	for n := range h.Checks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, c := range h.Checks[n] {
			fmt.Fprintf(tw, "%s\t%s\t%t\t%.1fms\t%s\n", n, c.Status, c.Critical, c.LatencyMS, c.Output)
		}
	}
	_ = tw.Flush()
	switch {
	case qErr != nil:
		fmt.Fprintln(out, "queues: unavailable:", qErr)
	case len(q.Queues) == 0:
		fmt.Fprintln(out, "queues: none yet")
	default:
		tw = tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "QUEUE\tPENDING\tACTIVE\tSCHEDULED\tRETRY\tDEAD\tPROCESSED\tFAILED\tOLDEST\t")
		for _, s := range q.Queues {
			name := s.Queue
			if s.Paused {
				name += " (paused)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", name, s.Pending, s.Active, s.Scheduled, s.Retry, s.Dead,
				s.Processed, s.Failed, (time.Duration(s.OldestPendingSeconds * float64(time.Second))).Round(time.Second))
		}
		_ = tw.Flush()
	}
	if h.Status != "pass" {
		return fmt.Errorf("%w: %s", errUnhealthy, h.Status)
	}
	return nil
}

// getJSON GETs u into v; /health/detailed answers 503 with its report
// when failing, which is decoded too. A non-empty adminToken is sent as
// the bearer token.
func getJSON(ctx context.Context, u, adminToken string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+adminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return errors.New(u + " answered " + resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w (status %s)", u, err, strconv.Itoa(resp.StatusCode))
	}
	return nil
}
