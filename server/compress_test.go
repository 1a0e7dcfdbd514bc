package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br, zstd", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"deflate, gzip;q=0", false},
		{"gzip ; q=0.000", false},
		{"*", true},
		{"identity", false},
		{"x-gzip", true},
		{"gzipped", false},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", tc.header)
		if got := acceptsGzip(r); got != tc.want {
			t.Errorf("Accept-Encoding %q: acceptsGzip = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// rawGet asks for path as a browser would, with acceptEncoding, and returns the answer and
// its body as sent: the transport neither asks for gzip nor unpacks it.
func rawGet(t *testing.T, ts *testServer, path, acceptEncoding string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", acceptEncoding)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// Pages, modules and style sheets go out gzipped to a client that takes gzip, as the same
// text: Vary says the answer depends on Accept-Encoding, each representation has its own
// ETag, and revalidating with either is a 304. A client that does not take gzip gets the
// text as it is.
func TestPagesAndAssetsAreSentCompressed(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/play/channels", "/web/app.js", "/web/trace/model.js", "/static/style.css", "/web/app.js.map"} {
		plain, text := rawGet(t, ts, path, "identity")
		if plain.StatusCode != http.StatusOK || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s without gzip: %d, Content-Encoding %q", path, plain.StatusCode, plain.Header.Get("Content-Encoding"))
		}
		resp, packed := rawGet(t, ts, path, "gzip, deflate, br")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s with gzip: %d, Content-Encoding %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(packed))
		if err != nil {
			t.Fatalf("%s: not gzip: %v", path, err)
		}
		unpacked, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unpacked, text) {
			t.Errorf("%s: the gzipped answer unpacks to %d bytes (%v), not the %d of the plain one", path, len(unpacked), err, len(text))
		}
		if len(packed)*2 > len(text) {
			t.Errorf("%s: gzipped to %d of %d bytes, less than half saved", path, len(packed), len(text))
		}
		for _, r := range []*http.Response{plain, resp} {
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q does not name Accept-Encoding", path, r.Header.Get("Vary"))
			}
		}
		plainTag, gzTag := plain.Header.Get("ETag"), resp.Header.Get("ETag")
		if plainTag == "" || gzTag == "" || plainTag == gzTag {
			t.Errorf("%s: ETags %q plain and %q gzipped, want two of their own", path, plainTag, gzTag)
		}
		for _, tag := range []string{plainTag, gzTag} {
			for _, enc := range []string{"identity", "gzip"} {
				if r, body := rawGet(t, ts, path, enc, "If-None-Match", tag); r.StatusCode != http.StatusNotModified || len(body) != 0 {
					t.Errorf("%s: revalidating %s with %s got %d and %d bytes, want a bare 304", path, enc, tag, r.StatusCode, len(body))
				}
			}
		}
	}
	// A page is made per request, so its link's values change it: then its ETag too.
	a, _ := rawGet(t, ts, "/play/channels?producers=3", "gzip")
	b, _ := rawGet(t, ts, "/play/channels?producers=5", "gzip")
	if a.Header.Get("ETag") == b.Header.Get("ETag") {
		t.Errorf("two pages of different settings share the ETag %s", a.Header.Get("ETag"))
	}
}
