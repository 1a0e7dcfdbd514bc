package templates

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/styles"
)

var update = flag.Bool("update", false, "rewrite static/chroma.css from the chroma styles")

const chromaCSSPath = "../static/chroma.css"

// chromaCSS is static/chroma.css as chroma writes it for the two styles. Each style sits
// under its own media query, so a token the dark style leaves plain does not keep the light
// style's colour.
func chromaCSS(t *testing.T) []byte {
	t.Helper()
	f := html.New(html.WithClasses(true), html.ClassPrefix(classPrefix))
	var b bytes.Buffer
	b.WriteString("/* Code highlighting, written by chroma (go test ./templates -run ChromaCSS -update); do not edit. */\n")
	for _, s := range []struct{ name, media string }{
		{lightStyle, "not all and (prefers-color-scheme: dark)"},
		{darkStyle, "(prefers-color-scheme: dark)"},
	} {
		style := styles.Get(s.name)
		if style.Name != s.name {
			t.Fatalf("chroma has no style %q", s.name)
		}
		var rules bytes.Buffer
		if err := f.WriteCSS(&rules, style); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n/* " + s.name + " */\n@media " + s.media + " {\n")
		for _, r := range strings.SplitAfter(strings.TrimRight(rules.String(), "\n"), "\n") {
			b.WriteString("  " + r)
		}
		b.WriteString("\n}\n")
	}
	return b.Bytes()
}

func TestChromaCSS(t *testing.T) {
	want := chromaCSS(t)
	if *update {
		if err := os.WriteFile(chromaCSSPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(chromaCSSPath)
	if err != nil {
		t.Fatalf("%v (go test ./templates -run ChromaCSS -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: go test ./templates -run ChromaCSS -update rewrites it", filepath.Base(chromaCSSPath))
	}
}
