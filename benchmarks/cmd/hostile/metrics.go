package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// attackMetrics sends 20,000 requests with invented methods and paths,
// unauthenticated, and reports the size of /metrics, its number of
// series and the server's RSS before and after (the review's finding:
// 62 KB to 37.7 MB, 39 MB to 152 MB, for good).
func attackMetrics(ctx context.Context, bin string) error {
	s, err := start(ctx, bin, "EVENTS_SWEEP_INTERVAL=9999h")
	if err != nil {
		return err
	}
	defer s.stop()
	size0, series0, err := scrape(ctx, s.base)
	if err != nil {
		return err
	}
	rss0, err := s.rss()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := flood(ctx, s.base, 20_000); err != nil {
		return err
	}
	elapsed := time.Since(start)
	runtime.GC()
	size1, series1, err := scrape(ctx, s.base)
	if err != nil {
		return err
	}
	rss1, err := s.rss()
	if err != nil {
		return err
	}
	report("metrics", "metrics_bytes", size0, size1)
	report("metrics", "series", series0, series1)
	report("metrics", "rss_bytes", rss0, rss1)
	fmt.Printf("metrics flood_rps %.0f\n", 20_000/elapsed.Seconds())
	return nil
}

// flood sends n requests with a random method (a token of 1 to 12
// characters) and a random path from 8 keep-alive clients.
func flood(ctx context.Context, base string, n int) error {
	const tchar = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			hc := &http.Client{Timeout: 10 * time.Second}
			for i := w; i < n; i += 8 {
				m := make([]byte, 1+rng.IntN(12))
				for j := range m {
					m[j] = tchar[rng.IntN(len(tchar))]
				}
				req, err := http.NewRequestWithContext(ctx, string(m), base+"/"+strconv.FormatUint(rng.Uint64(), 36), nil)
				if err != nil {
					errs <- err
					return
				}
				resp, err := hc.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// scrape returns the size of /metrics and its number of series (lines
// that are not comments), asking with the operator's token (older
// binaries ignore it).
func scrape(ctx context.Context, base string) (float64, float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("/metrics: %s %v", resp.Status, err)
	}
	series := 0
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			series++
		}
	}
	return float64(len(b)), float64(series), nil
}
