package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"interleave/scenarios"
	"interleave/scenarios/stage"
)

// A seeded trace is a pure function of its link — scenario, params, seed, processors,
// schedule — and of what makes it: the code (scenarios and stage), the schema version, and
// the limits that cut a run short (-max-events, -max-goroutines). So it is answered with a
// strong ETag naming all of that and may be cached by anyone for traceMaxAge without asking
// again: a cache in front of several instances, all of the same build, serves a popular link
// once. A request that names the ETag it has gets a 304 without the run being made.
//
// The one trace that is not pure is one cut by -max-run-time, a wall-clock limit: it is sent
// with no-store.

// traceMaxAge is how long a trace may be served from a cache. The cache key is the link, not
// the ETag, so after a deploy that changes a scenario a cache may serve the old trace for up
// to this long.
const traceMaxAge = time.Hour

// traceETag is the ETag of the trace of a link, in format.
func (a *app) traceETag(s *scenarios.Scenario, vals scenarios.Values, set scenarios.Settings, format string) string {
	h := sha256.New()
	for _, part := range []string{
		"interleave trace", a.build, strconv.Itoa(stage.SchemaVersion), format,
		s.ID, s.Query(vals), strconv.FormatUint(set.Seed, 10), strconv.Itoa(set.Processors), set.Schedule.String(),
		strconv.Itoa(a.limits.maxEvents), strconv.Itoa(a.limits.maxGoroutines),
	} {
		_, _ = io.WriteString(h, part)
		_, _ = h.Write([]byte{0})
	}
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// cacheable marks an answer as the trace of etag, for any cache to keep.
func cacheable(h http.Header, etag string) {
	h.Set("ETag", etag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d, immutable", int(traceMaxAge.Seconds())))
}

// etagMatches reports whether an If-None-Match header names etag. It compares weakly, as
// RFC 9110 asks of If-None-Match: W/"x" matches "x".
func etagMatches(ifNoneMatch, etag string) bool {
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// buildIdentity names the code that makes the traces: a hash of the running executable, which
// changes with a change to any scenario, to the stage or to the Go that built them. Instances
// of one build share it, and so their ETags.
func buildIdentity() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the executable: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read the executable %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
