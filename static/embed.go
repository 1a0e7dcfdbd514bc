// Package static holds the playground's stylesheet and icon, served at /static/.
package static

import "embed"

// Files holds the stylesheets and the icon, served at /static/.
//
//go:embed *.css *.svg
var Files embed.FS
