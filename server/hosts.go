package main

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"interleave/scenarios"
)

// The names the server answers to. A page served from a name its attacker controls, which
// then resolves to 127.0.0.1 (DNS rebinding), reaches a developer's local server as its own
// origin: the socket's origin check sees Origin and Host agree. So every request must name a
// host the server was meant to be reached by — localhost, a loopback address, the host of
// -addr, or one named with -allow-host — and anything else is a 421.

// hostCheck is the set of host names a server answers to, beside localhost and loopback
// addresses.
type hostCheck struct {
	names map[string]bool
}

// newHostCheck answers to listen's host, unless it is empty or a wildcard address, and to the
// names given.
func newHostCheck(listen string, names []string) hostCheck {
	h := hostCheck{names: make(map[string]bool)}
	if host, _, err := net.SplitHostPort(listen); err == nil {
		if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
			h.names[normalHost(host)] = true
		}
	}
	for _, n := range names {
		h.names[normalHost(n)] = true
	}
	return h
}

// allows reports whether a request's Host (with or without a port) is one the server answers to.
func (h hostCheck) allows(hostport string) bool {
	host := hostport
	if hst, _, err := net.SplitHostPort(hostport); err == nil {
		host = hst
	}
	host = normalHost(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	return h.names[host]
}

// normalHost is a host name as compared: lower case, without the brackets of an IPv6
// address or a trailing dot.
func normalHost(host string) string {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// checkHost answers a request for a host the server does not answer to with 421 Misdirected
// Request, before any route: pages, API and socket alike. The probes answer any host.
func (a *app) checkHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !a.hosts.allows(c.Request().Host) && !isProbe(c.Request().URL.Path) {
			return echo.NewHTTPError(http.StatusMisdirectedRequest, fmt.Sprintf(
				"this server does not answer to the host %s: it answers to localhost, loopback addresses and the names given to -addr and -allow-host",
				scenarios.QuoteInput(c.Request().Host)))
		}
		return next(c)
	}
}
