package main

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Plain HTTP connections: the server's timeouts, and how many connections one address may
// hold open. A connection stops counting as plain HTTP when it becomes a socket, which has
// its own deadlines (ws.go) and its own limits.

// newHTTPServer is the server for a's routes, with timeouts that fit pages, the API and the
// socket's handshake: a request is read within readTimeout (every route is a GET with at most
// a few bytes of body), answered within writeTimeout (an API answer may take apiTimeout, then
// a trace of up to -max-events must still be written), and a keep-alive connection that has
// been idle for idleTimeout is closed. A socket's connection is taken over (hijacked) when it
// is upgraded, which clears these deadlines; the session sets its own.
func (a *app) newHTTPServer() *http.Server {
	lim := a.limits
	return &http.Server{
		Handler:           a.echo,
		ReadHeaderTimeout: lim.readTimeout,
		ReadTimeout:       lim.readTimeout,
		WriteTimeout:      lim.writeTimeout,
		IdleTimeout:       lim.idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         a.connState,
	}
}

// maxHeaderBytes bounds a request's header, its URL and query with it. A link's query is well
// under a kilobyte, a schedule's up to scenarios.MaxScheduleText.
const maxHeaderBytes = 256 << 10

// countedConn is an accepted connection holding one of the plain HTTP connection slots.
type countedConn struct {
	net.Conn
	release func() // gives the slot back; it may be called more than once
}

func (c *countedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// connState gives a connection's slot back once it is upgraded to a socket: from then on the
// socket limits count it.
func (a *app) connState(c net.Conn, state http.ConnState) {
	if cc, ok := c.(*countedConn); ok && state == http.StateHijacked {
		cc.release()
	}
}

// connLimiter is a listener that holds at most limits.maxConns plain HTTP connections open,
// and at most limits.maxConnsPerClient from one address. One more is answered at once with a
// 503 saying why, and closed. The address is the TCP peer's: a connection is counted before
// any request on it is read. Behind a trusted proxy (-trust-proxy) every client comes from
// the proxy's address, so connections from loopback and private addresses are held only to
// the total.
type connLimiter struct {
	net.Listener
	app *app
}

func (a *app) limitConns(ln net.Listener) net.Listener { return connLimiter{Listener: ln, app: a} }

func (l connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := peerIP(c)
		release, refusal := l.app.conns.acquireAs(ip, !(l.app.trustProxy && trustedProxy(ip)))
		if refusal == "" {
			return &countedConn{Conn: c, release: release}, nil
		}
		l.app.log.Info("connection refused", "why", refusal, "client", ip)
		refuseConn(c, refusal)
	}
}

// refuseConn answers a connection that is over a limit without reading its request: a 503
// saying why, then it is closed. A new connection's send buffer is empty, so the short write
// does not keep the listener from accepting the next.
func refuseConn(c net.Conn, why string) {
	body := why + "\n"
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %s\r\nRetry-After: 5\r\nConnection: close\r\n\r\n%s",
		strconv.Itoa(len(body)), body)
	_ = c.Close()
}

// peerIP is the connection's remote address without its port.
func peerIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// trustedProxy reports whether ip is an address -trust-proxy takes X-Forwarded-For from, as
// echo's extractor does by default: loopback, link-local and private.
func trustedProxy(ip string) bool {
	addr := net.ParseIP(ip)
	return addr != nil && (addr.IsLoopback() || addr.IsLinkLocalUnicast() || addr.IsPrivate())
}

// newConnSlots counts plain HTTP connections.
func newConnSlots(max, perClient int) *slots {
	return newSlots(max, perClient, "max-conns",
		fmt.Sprintf("the server is busy: %d connections are open, the most it takes at once; try again in a moment", max),
		fmt.Sprintf("%d connections are open from your address, the most one address may hold; close some and try again", perClient))
}

// closeAfterBody ends the connection of a request that came with a body once it is answered.
// Every route is a GET, which needs none; the server would otherwise read what is left of the
// body before answering (to keep the connection), and a client that sends one byte now and
// then would never be answered.
func closeAfterBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength == 0 {
			return next(c)
		}
		c.Response().Header().Set(echo.HeaderConnection, "close")
		err := next(c)
		// The answer is written: stop reading the body, so that the connection goes now.
		_ = http.NewResponseController(c.Response()).SetReadDeadline(time.Now())
		return err
	}
}
