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

	"interleave/scenarios"
)

var update = flag.Bool("update", false, "rewrite static/chroma.css from the chroma styles")

const chromaCSSPath = "../static/chroma.css"

// chromaCSS is static/chroma.css as chroma writes it for the two styles, keeping only the
// rules for classes the code panel uses on the catalog's sources (chroma writes rules for
// every token type, and for line tables the panel does not use: three times the bytes, on
// every page). Each style sits under its own media query, so a token the dark style leaves
// plain does not keep the light style's colour.
func chromaCSS(t *testing.T) []byte {
	t.Helper()
	used := usedClasses()
	f := html.New(html.WithClasses(true), html.ClassPrefix(classPrefix))
	var b bytes.Buffer
	b.WriteString("/* Code highlighting, written by chroma for the classes the catalog's code uses\n   (go test ./templates -run ChromaCSS -update); do not edit. */\n")
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
		for _, r := range strings.Split(strings.TrimRight(rules.String(), "\n"), "\n") {
			// "/* Keyword */ .ch-chroma .ch-k { color: #cf222e }"
			if _, rest, ok := strings.Cut(r, "*/ "); ok && strings.HasPrefix(r, "/*") {
				r = rest
			}
			selector, _, _ := strings.Cut(r, " {")
			if used[selector[strings.LastIndex(selector, ".")+1:]] {
				b.WriteString("  " + r + "\n")
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// usedClasses is every class the code panel puts on the catalog's Go and Rust, and the
// class around the code.
func usedClasses() map[string]bool {
	h := NewHighlighter()
	used := map[string]bool{codeClass: true}
	for _, s := range scenarios.New().All() {
		for _, lines := range [][]SrcLine{h.Lines(s.Source, s.SourceLine, "go"), h.Lines(s.Rust, 1, "rust")} {
			for _, l := range lines {
				for _, tok := range l.Tokens {
					used[tok.Class] = tok.Class != ""
				}
			}
		}
	}
	return used
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
