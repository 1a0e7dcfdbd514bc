package main

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

type fsys = fs.FS

// asset is one embedded file, read once at start.
type asset struct {
	body        []byte
	etag        string
	contentType string
}

// assets serves the embedded browser files from memory. Responses carry an ETag and
// "no-cache": browsers revalidate every load and get a 304 while the binary is unchanged, so
// a new deploy is never hidden behind a stale module.
type assets struct {
	files map[string]asset // by URL path
}

func newAssets(mounts map[string]fsys) *assets {
	a := &assets{files: make(map[string]asset)}
	for prefix, fsys := range mounts {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			body, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(body)
			ctype := mime.TypeByExtension(path.Ext(p))
			if strings.HasSuffix(p, ".js") {
				ctype = "text/javascript; charset=utf-8"
			}
			if ctype == "" {
				ctype = "application/octet-stream"
			}
			a.files[prefix+p] = asset{
				body:        body,
				etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
				contentType: ctype,
			}
			return nil
		})
		if err != nil {
			// Embedded files cannot fail to read; a failure here is a broken build.
			panic("read embedded assets: " + err.Error())
		}
	}
	return a
}

func (a *assets) handler(prefix string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, ok := a.files[prefix+c.Param("*")]
		if !ok {
			return echo.NewHTTPError(http.StatusNotFound, "no such file")
		}
		h := c.Response().Header()
		h.Set("ETag", f.etag)
		h.Set("Cache-Control", "no-cache")
		if match := c.Request().Header.Get("If-None-Match"); match == f.etag {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, f.contentType, f.body)
	}
}
