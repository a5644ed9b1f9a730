package main

import (
	"fmt"
	"strconv"
	"time"
)

// config is the service's configuration, read from the environment.
type config struct {
	Port            int
	ShutdownTimeout time.Duration
}

// loadConfig reads the configuration with getenv; an invalid value is an
// error naming the variable.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{Port: 3003, ShutdownTimeout: 25 * time.Second}
	if v := getenv("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			return cfg, fmt.Errorf("PORT: %q is not a TCP port number (0-65535)", v)
		}
		cfg.Port = p
	}
	if v := getenv("SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("SHUTDOWN_TIMEOUT: %q is not a positive duration such as 25s", v)
		}
		cfg.ShutdownTimeout = d
	}
	return cfg, nil
}
