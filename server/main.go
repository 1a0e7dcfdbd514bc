// Command server serves the Interleave playground: the scenario pages, the catalog API, the
// browser modules and the WebSocket that streams runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"interleave/scenarios"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// run parses flags, serves until ctx is done (SIGINT or SIGTERM), then shuts down within a
// second, logging to logTo.
func run(ctx context.Context, args []string, logTo io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(logTo)
	addr := fs.String("addr", "localhost:8080", "address to listen on")
	origins := fs.String("allow-origin", "", "comma-separated extra origins allowed to open the socket (the page's own origin always is)")
	hosts := fs.String("allow-host", "", "comma-separated host names the server answers to beside localhost, loopback addresses and the host of -addr (its public name behind a proxy); any other is refused with 421")
	metricsAddr := fs.String("metrics-addr", "", "address to serve Prometheus metrics on, at /metrics (default: none); keep it private")
	trustProxy := fs.Bool("trust-proxy", false, "take the client address from X-Forwarded-For when the request comes from a loopback or private address (behind a reverse proxy)")
	shutdownDelay := fs.Duration("shutdown-delay", 0, "after SIGTERM or SIGINT, serve on this long with /readyz answering 503, so that a load balancer stops sending clients before the server stops taking them (default: shut down at once)")
	lim := defaultLimits()
	lim.addFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := lim.check(); err != nil {
		return err
	}
	if *shutdownDelay < 0 {
		return fmt.Errorf("-shutdown-delay must not be negative, got %s", *shutdownDelay)
	}

	log := slog.New(slog.NewTextHandler(logTo, nil))
	build, err := buildIdentity()
	if err != nil {
		// Traces' ETags then hold for this process only: never wrong, just cached less.
		log.Warn("traces are cached per process", "err", err)
		build = fmt.Sprintf("process %d %d", os.Getpid(), time.Now().UnixNano())
	}

	a := newApp(appConfig{
		catalog:        scenarios.New(),
		log:            log,
		limits:         lim,
		allowedOrigins: splitList(*origins),
		listen:         *addr,
		allowedHosts:   splitList(*hosts),
		trustProxy:     *trustProxy,
		build:          build,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := a.newHTTPServer()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(a.limitConns(ln)) }()
	// The metrics come up before "serving" is said: whoever waits for that line finds
	// everything there.
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen on %s for metrics: %w", *metricsAddr, err)
		}
		msrv := &http.Server{Handler: a.metrics.handler(), ReadHeaderTimeout: lim.readTimeout, ReadTimeout: lim.readTimeout,
			WriteTimeout: lim.writeTimeout, IdleTimeout: lim.idleTimeout}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("serving metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	log.Info("serving", "url", "http://"+ln.Addr().String())

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if *shutdownDelay > 0 {
		a.draining.Store(true)
		log.Info("not ready: shutting down after the delay", "delay", *shutdownDelay)
		select {
		case err := <-serveErr:
			return fmt.Errorf("serve: %w", err)
		case <-time.After(*shutdownDelay):
		}
	}
	log.Info("shutting down")
	if err := a.shutdown(srv); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("shut down")
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
