package main

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/labstack/echo/v4"
)

type fsys = fs.FS

// asset is one embedded file, read once at start, and gzipped then if that makes it smaller.
type asset struct {
	body        []byte
	gz          []byte // nil: sent as it is
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
// page, and indentation a tenth. Then they are gzipped, once (compress.go).
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
	f := asset{body: body, etag: strongETag(body), contentType: contentType}
	if compressible(contentType) {
		// gzip saves little on a file this small or this random, and costs the client a step
		if gz := gzipBytes(body, gzip.BestCompression); len(gz) < len(body)*9/10 {
			f.gz = gz
		}
	}
	a.files[urlPath] = f
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

// staticImport finds the modules a minified module imports statically: esbuild writes them
// as from"./x.js" or import"./x.js"; an import("./x.js") is left out, as it loads only when
// called.
var staticImport = regexp.MustCompile(`\b(?:from|import)\s*"(\.{1,2}/[^"]+)"`)

// moduleGraph is every module root imports, directly or not, by static imports, root left
// out, in the order first met: what the browser fetches before root runs, and so what a page
// asks for at once (modulepreload) rather than one level of imports after another.
func (a *assets) moduleGraph(root string) []string {
	seen := map[string]bool{root: true}
	var out []string
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, m := range staticImport.FindAllSubmatch(a.files[p].body, -1) {
			dep := path.Join(path.Dir(p), string(m[1]))
			if seen[dep] {
				continue
			}
			if _, ok := a.files[dep]; !ok {
				continue // not one of ours: the browser will say so
			}
			seen[dep] = true
			out = append(out, dep)
			queue = append(queue, dep)
		}
	}
	return out
}

func (a *assets) handler(prefix string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, ok := a.files[prefix+c.Param("*")]
		if !ok {
			return echo.NewHTTPError(http.StatusNotFound, "no such file")
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
		var gz func() []byte
		if f.gz != nil {
			gz = func() []byte { return f.gz }
		}
		return sendRepresentation(c, http.StatusOK, f.contentType, f.body, gz, f.etag)
	}
}
