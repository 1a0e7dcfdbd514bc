package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"interleave/scenarios"
	"interleave/scenarios/stage"
	"interleave/static"
	"interleave/web"
)

// limits bound every run the server starts.
type limits struct {
	maxEvents     int
	maxGoroutines int
	maxRunTime    time.Duration
}

func defaultLimits() limits {
	return limits{maxEvents: 100_000, maxGoroutines: 64, maxRunTime: 60 * time.Second}
}

func (l limits) check() error {
	switch {
	case l.maxEvents < 100:
		return fmt.Errorf("-max-events must be at least 100, got %d", l.maxEvents)
	case l.maxGoroutines < 2:
		return fmt.Errorf("-max-goroutines must be at least 2, got %d", l.maxGoroutines)
	case l.maxRunTime < time.Second:
		return fmt.Errorf("-max-run-time must be at least 1s, got %s", l.maxRunTime)
	}
	return nil
}

func (l limits) stageConfig() stage.Config {
	return stage.Config{MaxEvents: l.maxEvents, MaxGoroutines: l.maxGoroutines, MaxDuration: l.maxRunTime}
}

type appConfig struct {
	catalog        *scenarios.Catalog
	log            *slog.Logger
	limits         limits
	allowedOrigins []string
}

// app is the server's state: the catalog, the assets and the open sessions.
type app struct {
	catalog  *scenarios.Catalog
	log      *slog.Logger
	limits   limits
	upgrader *websocket.Upgrader
	echo     *echo.Echo
	assets   *assets

	// ctx is done when the server shuts down; every session derives from it.
	ctx      context.Context
	stop     context.CancelFunc
	sessions sync.WaitGroup
}

func newApp(cfg appConfig) *app {
	ctx, stop := context.WithCancel(context.Background())
	a := &app{
		catalog:  cfg.catalog,
		log:      cfg.log,
		limits:   cfg.limits,
		upgrader: newUpgrader(cfg.allowedOrigins),
		assets:   newAssets(map[string]fsys{"/web/": web.Files, "/static/": static.Files}),
		ctx:      ctx,
		stop:     stop,
	}
	a.echo = a.routes()
	return a
}

// contentSecurityPolicy allows only the page's own origin: its modules, its styles, its
// socket (CSP's 'self' covers ws: and wss: to the same host).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (a *app) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.Use(middleware.Recover())
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod: true, LogURI: true, LogStatus: true, LogLatency: true, LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			a.log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", v.Method), slog.String("uri", v.URI),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency))
			return nil
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "same-origin",
	}))

	e.GET("/", a.handleHome)
	e.GET("/play/:id", a.handlePlay)
	e.GET("/api/scenarios", a.handleCatalog)
	e.GET("/api/scenarios/:id", a.handleScenario)
	e.GET("/ws", a.handleSocket)
	e.GET("/web/*", a.assets.handler("/web/"))
	e.GET("/static/*", a.assets.handler("/static/"))
	return e
}

// shutdown closes every open session with a message, then stops the HTTP server.
func (a *app) shutdown(ctx context.Context, srv *http.Server) error {
	a.stop()
	done := make(chan struct{})
	go func() {
		a.sessions.Wait()
		close(done)
	}()
	err := srv.Shutdown(ctx)
	select {
	case <-done:
	case <-ctx.Done():
		return errors.Join(err, fmt.Errorf("sessions still open: %w", ctx.Err()))
	}
	return err
}

// handleError answers API paths with JSON {"error": …} and everything else with the HTML
// not-found page or a short text.
func (a *app) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	message := "something went wrong on the server"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			message = m
		} else {
			message = http.StatusText(code)
		}
	}
	if code >= 500 {
		a.log.Error("request failed", "uri", c.Request().RequestURI, "err", err)
	}
	path := c.Request().URL.Path
	switch {
	case strings.HasPrefix(path, "/api/"):
		_ = c.JSON(code, map[string]string{"error": message})
	case code == http.StatusNotFound:
		_ = a.renderNotFound(c, path)
	default:
		_ = c.String(code, message)
	}
}

// sameOrigin reports whether the request's Origin header names the host it was sent to.
func sameOrigin(r *http.Request) bool {
	u, err := url.Parse(r.Header.Get("Origin"))
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}
