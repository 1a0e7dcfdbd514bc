package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"interleave/scenarios"
	"interleave/static"
	"interleave/templates"
	"interleave/web"
)

type appConfig struct {
	catalog        *scenarios.Catalog
	log            *slog.Logger
	limits         limits
	allowedOrigins []string
	// listen is the address the server listens on (-addr), and allowedHosts the names it
	// answers to beside it, localhost and loopback addresses (-allow-host).
	listen       string
	allowedHosts []string
	// build names the code that makes traces (buildIdentity), for their ETags.
	build string
	// trustProxy takes a client's address from X-Forwarded-For when the request comes from a
	// loopback or private address (a reverse proxy); otherwise it is the connection's peer.
	trustProxy bool
	// clock measures how long a steered run waits for a pick (-max-steer-idle); nil: the
	// wall clock. Tests move one by hand.
	clock clock
	// pingEvery is how often a session pings its client to keep the connection alive; 0:
	// defaultPingEvery.
	pingEvery time.Duration
}

// app is the server's state: the catalog, the assets and the open sessions.
type app struct {
	catalog  *scenarios.Catalog
	log      *slog.Logger
	limits   limits
	upgrader *websocket.Upgrader
	echo     *echo.Echo
	api      *echo.Group
	// apiMiddleware is what every API route goes through (apiRoute).
	apiMiddleware []echo.MiddlewareFunc
	assets        *assets
	runSlots      *slots
	// events is the budget of events that all runs in progress may hold (-max-events-total).
	events *eventBudget
	// sockets counts open WebSocket connections, conns the plain HTTP ones (conns.go).
	sockets *slots
	conns   *slots
	// trustProxy: see appConfig.
	trustProxy bool
	hosts      hostCheck // the names the server answers to (hosts.go)
	build      string    // see appConfig
	clock      clock     // see appConfig
	pingEvery  time.Duration
	metrics    *metrics
	buffers    *bufferPool
	// eventChunks are the trace answers' chunks of Events (seeded.go).
	eventChunks eventChunks
	// sources are each scenario's Go and Rust, highlighted once at start.
	sources map[string]highlighted
	// preload are the modules the page's script imports before it runs (assets.moduleGraph).
	preload []string

	// ctx is done when the server shuts down; every session derives from it. halted is done
	// when shutting down has waited long enough: every socket still open is then closed.
	ctx      context.Context
	stop     context.CancelFunc
	halted   context.Context
	halt     context.CancelFunc
	sessions sync.WaitGroup

	slowCuts atomic.Int64 // live runs ended because their client could not keep up
	// draining: shutting down is asked for, and the server serves on for -shutdown-delay
	// with /readyz answering 503, for a load balancer to stop sending it clients first.
	draining atomic.Bool
}

func newApp(cfg appConfig) *app {
	ctx, stop := context.WithCancel(context.Background())
	halted, halt := context.WithCancel(context.Background())
	m := newMetrics()
	a := &app{
		catalog:  cfg.catalog,
		log:      cfg.log,
		limits:   cfg.limits,
		upgrader: newUpgrader(cfg.allowedOrigins),
		assets:   newAssets(map[string]fsys{"/web/": web.Files, "/static/": static.Files}),
		runSlots: newRunSlots(cfg.limits.maxRuns, cfg.limits.maxRunsPerClient),
		events:   newEventBudget(cfg.limits.maxEventsTotal),
		sockets:  newSocketSlots(cfg.limits.maxSockets, cfg.limits.maxSocketsPerClient),
		conns:    newConnSlots(cfg.limits.maxConns, cfg.limits.maxConnsPerClient),
		buffers:  newBufferPool(),

		trustProxy: cfg.trustProxy,
		hosts:      newHostCheck(cfg.listen, cfg.allowedHosts),
		build:      cfg.build,
		clock:      cfg.clock,
		pingEvery:  cmp.Or(cfg.pingEvery, defaultPingEvery),
		metrics:    m,
		ctx:        ctx,
		stop:       stop,
		halted:     halted,
		halt:       halt,
	}
	if a.clock == nil {
		a.clock = wallClock{}
	}
	for _, s := range []*slots{a.runSlots, a.sockets, a.conns} {
		s.counts = m
	}
	a.events.counts = m
	m.watch(a)
	a.sources = highlightCatalog(cfg.catalog)
	a.preload = a.assets.moduleGraph("/web/app.js")
	a.echo = a.routes()
	return a
}

// highlighted is a scenario's sources as the code panel shows them.
type highlighted struct {
	goLines, rustLines []templates.SrcLine
}

// highlightCatalog highlights every scenario's sources. Doing it once here keeps chroma
// (whose lexers leave a timer goroutine behind for a second) off the request path.
func highlightCatalog(cat *scenarios.Catalog) map[string]highlighted {
	h := templates.NewHighlighter()
	out := make(map[string]highlighted, len(cat.All()))
	for _, s := range cat.All() {
		out[s.ID] = highlighted{
			goLines:   h.Lines(s.Source, s.SourceLine, "go"),
			rustLines: h.Lines(s.Rust, 1, "rust"),
		}
	}
	return out
}

// contentSecurityPolicy allows only the page's own origin: its modules, its styles, its
// socket (CSP's 'self' covers ws: and wss: to the same host).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// bodyLimit bounds request bodies. Every route is a GET, so any body is a mistake or worse.
const bodyLimit = "4K"

func (a *app) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	// The client address keys the rate limit and the per-address run limit, so it must not
	// come from a header anyone can set.
	e.IPExtractor = echo.ExtractIPDirect()
	if a.trustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	e.Use(middleware.Recover())
	e.Use(a.accessLog())
	// The policies for documents go on documents: a script or a style sheet takes only
	// nosniff from them, and the page's thirty-odd files are lighter by 300 bytes each.
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		Skipper:               isAsset,
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "same-origin",
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		Skipper:            func(c echo.Context) bool { return !isAsset(c) },
		XSSProtection:      "",
		ContentTypeNosniff: "nosniff",
		XFrameOptions:      "",
	}))
	e.Use(a.checkHost, closeAfterBody, middleware.BodyLimit(bodyLimit))

	// Every page, API answer and file is read with GET or HEAD, HEAD answering as GET does
	// without the body (net/http leaves it out). A method a route does not take is a 405
	// naming those it does (Allow).
	read := []string{http.MethodGet, http.MethodHead}
	e.Match(read, pathHealth, a.handleHealth)
	e.Match(read, pathReady, a.handleReady)
	e.Match(read, "/", a.handleHome)
	e.Match(read, "/play/:id", a.handlePlay)
	a.api = e.Group("/api")
	a.apiMiddleware = []echo.MiddlewareFunc{a.rateLimiter(), middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
		Timeout: a.limits.apiTimeout,
		ErrorHandler: func(err error, c echo.Context) error {
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				return echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf("the server took too long to answer (an API request may take %s, -api-timeout); try again in a moment", a.limits.apiTimeout)).SetInternal(err)
			case errors.Is(err, context.Canceled):
				return echo.NewHTTPError(http.StatusServiceUnavailable, "the request was cancelled before it was answered").SetInternal(err)
			}
			return err
		},
	})}
	a.apiRoute("/scenarios", a.handleCatalog)
	a.apiRoute("/scenarios/:id", a.handleScenario)
	a.apiRoute("/scenarios/:id/trace", a.handleTrace)
	a.apiRoute("/scenarios/:id/search", a.handleSearch)
	e.GET("/ws", a.handleSocket)
	e.Match(read, "/web/*", a.assets.handler("/web/"))
	e.Match(read, "/static/*", a.assets.handler("/static/"))
	return e
}

// isAsset reports whether a request is for one of the page's files, not a document.
func isAsset(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/web/") || strings.HasPrefix(p, "/static/")
}

// apiRoute serves an API path to GET and HEAD, behind the API's rate limit and deadline. (A
// group's own middleware would answer every other path and method under /api as not found.)
func (a *app) apiRoute(path string, h echo.HandlerFunc) {
	a.api.Match([]string{http.MethodGet, http.MethodHead}, path, h, a.apiMiddleware...)
}

// rateLimiter limits API requests per client address; a refusal is a 429 with Retry-After
// (whole seconds until a request is allowed again at the sustained rate) and a JSON error.
func (a *app) rateLimiter() echo.MiddlewareFunc {
	retryAfter := strconv.Itoa(int(math.Ceil(1 / a.limits.apiRate)))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(a.limits.apiRate), Burst: a.limits.apiBurst, ExpiresIn: 3 * time.Minute,
		}),
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			a.metrics.refused("api-rate")
			c.Response().Header().Set("Retry-After", retryAfter)
			return echo.NewHTTPError(http.StatusTooManyRequests,
				fmt.Sprintf("too many requests from your address; try again in %s s", retryAfter))
		},
	})
}

// Shutting down: how long clients may hold the process up. Requests under way may finish and
// sessions say goodbye for drainTime; then every connection still open is closed, and the
// sessions have closeTime to end. A client can make shutting down take no longer than that.
const (
	drainTime = 500 * time.Millisecond
	closeTime = 400 * time.Millisecond
)

// shutdown closes every open session with a message and stops srv, within drainTime +
// closeTime whatever the clients do. It fails only if a session outlives its connection,
// which would be the server's fault.
func (a *app) shutdown(srv *http.Server) error {
	a.stop()
	sessionsDone := make(chan struct{})
	go func() {
		a.sessions.Wait()
		close(sessionsDone)
	}()
	drain, cancel := context.WithTimeout(context.Background(), drainTime)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		// Requests still under way: a client sending slowly, or reading slowly.
		a.log.Info("shutdown: closing connections still busy", "after", drainTime)
		_ = srv.Close()
	}
	select {
	case <-sessionsDone:
		return nil
	case <-drain.Done():
	}
	a.log.Info("shutdown: closing sockets still open", "after", drainTime)
	a.halt()
	select {
	case <-sessionsDone:
		return nil
	case <-time.After(closeTime):
		return fmt.Errorf("sessions still open %s after their connections were closed", closeTime)
	}
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
	if code >= 500 && code != http.StatusServiceUnavailable { // a 503 is a limit, not a failure
		a.log.Error("request failed", "uri", cutURI(c.Request().RequestURI), "err", err)
	}
	if code == http.StatusMethodNotAllowed {
		message = fmt.Sprintf("%s is not a method this address takes: it takes %s",
			scenarios.CutInput(c.Request().Method), c.Response().Header().Get(echo.HeaderAllow))
	}
	path := c.Request().URL.Path
	switch {
	case strings.HasPrefix(path, "/api/"):
		_ = c.JSON(code, map[string]string{"error": message})
	case code == http.StatusNotFound:
		_ = a.renderNotFound(c, path)
	case code == http.StatusBadRequest && !isAsset(c):
		_ = a.renderBadRequest(c, message)
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
