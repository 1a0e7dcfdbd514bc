package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Pages and browser files are sent gzipped to a client that takes gzip: the page's text, its
// script and its style compress to a third or less, and a phone on a slow link waits on
// bytes. The embedded files are compressed once, at start, at gzip's best; a page, made per
// request, is compressed as it is sent, at a level that costs well under a millisecond.
// A compressed answer is another representation of the same resource: it says Vary:
// Accept-Encoding, so that a cache keeps the two apart, and has an ETag of its own (the
// plain one with "-gz"); an If-None-Match naming either still gets a 304, as both hold the
// same text.

// pageGzipLevel is the gzip level of pages, compressed per request.
const pageGzipLevel = 6

// acceptsGzip reports whether the request's Accept-Encoding takes gzip (or any coding), and
// not with q=0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// gzipBytes compresses b at level.
func gzipBytes(b []byte, level int) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 3)
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		panic("gzip level " + strconv.Itoa(level) + ": " + err.Error()) // a constant: a bug
	}
	_, _ = zw.Write(b) // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes()
}

// compressible tells the types worth compressing: text, and the JSON of source maps.
func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.HasPrefix(contentType, "application/json") ||
		strings.HasPrefix(contentType, "image/svg+xml") || strings.HasPrefix(contentType, "application/javascript")
}

// strongETag is the ETag of body: a hash of its bytes.
func strongETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}

// gzETag is the ETag of the gzipped representation of what etag names.
func gzETag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-gz"`
}

// sendRepresentation answers with body, or its gzipped form, made by gz (nil: none), when
// the client takes it, with ETag etag (or its gzip twin), or a 304 when If-None-Match names
// either.
func sendRepresentation(c echo.Context, status int, contentType string, body []byte, gz func() []byte, etag string) error {
	h := c.Response().Header()
	if gz != nil {
		h.Add("Vary", "Accept-Encoding")
	}
	useGz := gz != nil && acceptsGzip(c.Request())
	tag := etag
	if useGz {
		tag = gzETag(etag)
	}
	h.Set("ETag", tag)
	if status == http.StatusOK {
		if inm := c.Request().Header.Get("If-None-Match"); inm != "" && (etagMatches(inm, etag) || gz != nil && etagMatches(inm, gzETag(etag))) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	if useGz {
		h.Set("Content-Encoding", "gzip")
		body = gz()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return c.Blob(status, contentType, body)
}
