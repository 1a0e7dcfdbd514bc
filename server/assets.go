package main

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
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
//
// Modules and style sheets are minified once, when the server starts (esbuild, file by file:
// each module stays the ES module it is, importing the others by the same paths), and each
// comes with a source map at its path + ".map" holding the file as written, which a browser's
// developer tools show in its place. The sources keep their comments — they are the browser
// code's documentation — without every visitor downloading them: they were a fifth of the
// page, and indentation a tenth.
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
			ctype := mime.TypeByExtension(path.Ext(p))
			if strings.HasSuffix(p, ".js") {
				ctype = "text/javascript; charset=utf-8"
			}
			if ctype == "" {
				ctype = "application/octet-stream"
			}
			if loader, ok := loaderFor(path.Ext(p)); ok {
				code, srcMap, err := minify(body, path.Base(p), loader)
				if err != nil {
					return fmt.Errorf("%s%s: %w", prefix, p, err)
				}
				a.add(prefix+p+".map", srcMap, "application/json")
				body = code
			}
			a.add(prefix+p, body, ctype)
			return nil
		})
		if err != nil {
			// Embedded files cannot fail to read; a failure here is a broken build.
			panic("read embedded assets: " + err.Error())
		}
	}
	return a
}

// add serves body at urlPath.
func (a *assets) add(urlPath string, body []byte, contentType string) {
	sum := sha256.Sum256(body)
	a.files[urlPath] = asset{
		body:        body,
		etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		contentType: contentType,
	}
}

// loaderFor is the esbuild loader of the files minify takes, by extension.
func loaderFor(ext string) (api.Loader, bool) {
	switch ext {
	case ".js":
		return api.LoaderJS, true
	case ".css":
		return api.LoaderCSS, true
	}
	return api.LoaderNone, false
}

// minify minifies one file, named name, and returns the code, which ends by naming its map,
// and the map.
func minify(src []byte, name string, loader api.Loader) (code, srcMap []byte, err error) {
	res := api.Transform(string(src), api.TransformOptions{
		Loader:            loader,
		Sourcefile:        name,
		Sourcemap:         api.SourceMapExternal,
		SourcesContent:    api.SourcesContentInclude,
		MinifyWhitespace:  true,
		MinifySyntax:      true,
		MinifyIdentifiers: true,
		LegalComments:     api.LegalCommentsNone,
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		var errs []error
		for _, m := range res.Errors {
			where := ""
			if m.Location != nil {
				where = fmt.Sprintf("line %d: ", m.Location.Line)
			}
			errs = append(errs, errors.New(where+m.Text))
		}
		return nil, nil, errors.Join(errs...)
	}
	comment := "//# sourceMappingURL=" + name + ".map\n"
	if loader == api.LoaderCSS {
		comment = "/*# sourceMappingURL=" + name + ".map */\n"
	}
	return append(res.Code, comment...), res.Map, nil
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
