package server

import (
	"time"

	"github.com/ucsp/integration/ratelimit"
)

// DashboardConfig is how operators sign in to /dashboard.
type DashboardConfig struct {
	// SessionTTL (DASHBOARD_SESSION_TTL, default 12h) is how long a
	// sign-in lasts at most; SessionIdle (DASHBOARD_SESSION_IDLE, default
	// 1h, at most SessionTTL) how long it lasts unused.
	SessionTTL, SessionIdle time.Duration
	// SignInLimit (DASHBOARD_SIGN_IN_LIMIT, default 20/h burst=10) bounds
	// the sign-in attempts of each client address, every attempt
	// counted before the token is checked.
	SignInLimit ratelimit.Limit
}

// dashboardSignInLimitName names the sign-in limit among the limiter's
// limits of a client address.
const dashboardSignInLimitName = "dashboard-sign-in"

func (c *Config) loadDashboard(e *envReader) {
	c.Dashboard.SessionTTL = e.duration("DASHBOARD_SESSION_TTL", 12*time.Hour)
	c.Dashboard.SessionIdle = e.duration("DASHBOARD_SESSION_IDLE", time.Hour)
	if c.Dashboard.SessionIdle > c.Dashboard.SessionTTL {
		e.fail("DASHBOARD_SESSION_IDLE", "must not be longer than DASHBOARD_SESSION_TTL (%v)", c.Dashboard.SessionTTL)
	}
	c.Dashboard.SignInLimit = ratelimit.Limit{Rate: 20, Period: time.Hour, Burst: 10}
	if v := e.str("DASHBOARD_SIGN_IN_LIMIT", ""); v != "" {
		l, err := ratelimit.ParseLimit(v)
		if err != nil {
			e.fail("DASHBOARD_SIGN_IN_LIMIT", "%q is not a limit such as 20/h burst=10", v)
		} else {
			c.Dashboard.SignInLimit = l
		}
	}
	c.Dashboard.SignInLimit = c.Dashboard.SignInLimit.Named(dashboardSignInLimitName)
}
