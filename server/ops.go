package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// What a public playground's operator sees of it beside the metrics (metrics.go): one access
// log line per request and per socket session, and the probes a load balancer or an
// orchestrator asks.

// Probe paths. They answer whatever host they are asked by (a load balancer asks by the
// instance's address) and are logged at debug level: a probe every few seconds is not news.
const (
	pathHealth = "/healthz"
	pathReady  = "/readyz"
)

func isProbe(path string) bool { return path == pathHealth || path == pathReady }

// handleHealth answers that the process serves (liveness).
func (a *app) handleHealth(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok\n")
}

// handleReady answers whether the server takes new clients (readiness): not once it is
// shutting down, or serving on only until it does (-shutdown-delay).
func (a *app) handleReady(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if a.draining.Load() || a.ctx.Err() != nil {
		return c.String(http.StatusServiceUnavailable, "shutting down\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

// maxLoggedURI is the most of a request's URI a log line holds: a query can be hundreds of
// kilobytes, and a log line should say what was asked, not keep it all.
const maxLoggedURI = 256

// cutURI is a URI as a log line holds it: at most maxLoggedURI bytes of it.
func cutURI(uri string) string {
	if len(uri) <= maxLoggedURI {
		return uri
	}
	return strings.ToValidUTF8(uri[:maxLoggedURI], "") + "…"
}

// sessionKey is where a socket's handler leaves its session's *sessionAccess, for its access
// line.
const sessionKey = "interleave.session"

// sessionSummary is what a socket session did, for its access line.
type sessionSummary struct {
	runs  int    // runs started
	ended string // why it ended
}

// sessionAccess brings a socket's access line and its session's end together. The handler
// returns as soon as the socket is upgraded, and the session goes on without it; the line is
// written when both the logger has made it and the session has ended, whichever is last.
type sessionAccess struct {
	mu      sync.Mutex
	line    func(sessionSummary) // writes the line, once the logger has made it
	summary *sessionSummary      // how the session ended, once it has
}

func (s *sessionAccess) made(line func(sessionSummary)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.summary != nil {
		line(*s.summary)
		return
	}
	s.line = line
}

func (s *sessionAccess) ended(summary sessionSummary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.line != nil {
		s.line(summary)
		return
	}
	s.summary = &summary
}

// accessLog logs one line per request, when it is answered — for a socket, when its session
// ends, with what the session did — with the client's address as the limits see it, and
// counts the answer.
func (a *app) accessLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURI: true, LogStatus: true, LogLatency: true, LogError: true, HandleError: true,
		LogRemoteIP: true, LogResponseSize: true, LogRoutePath: true, LogURIPath: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			route := v.RoutePath
			if route == "" {
				route = "none"
			}
			level := slog.LevelInfo
			switch {
			case v.Status == http.StatusServiceUnavailable:
				level = slog.LevelWarn // a limit: the server is busy, or an answer took too long
			case v.Status >= 500:
				level = slog.LevelError
			case isProbe(v.URIPath):
				level = slog.LevelDebug
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("uri", cutURI(v.URI)), slog.String("route", route),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.Int64("bytes", v.ResponseSize), slog.String("client", v.RemoteIP),
			}
			if len(v.URI) > maxLoggedURI {
				attrs = append(attrs, slog.Int("uri_bytes", len(v.URI)))
			}
			if s, ok := c.Get(sessionKey).(*sessionAccess); ok {
				// A socket: its line waits for its session's end, and its latency is the
				// session's length.
				s.made(func(s sessionSummary) {
					a.metrics.answered(route, v.Status)
					attrs[4] = slog.Duration("latency", time.Since(v.StartTime))
					attrs = append(attrs, slog.Int("runs", s.runs), slog.String("ended", s.ended))
					a.log.LogAttrs(context.Background(), level, "request", attrs...)
				})
				return nil
			}
			a.metrics.answered(route, v.Status)
			a.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}
