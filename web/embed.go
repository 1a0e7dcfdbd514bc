// Package web is the browser side of the playground: plain ES modules, no build step. app.js
// wires the page's parts (page/); trace/ decodes server messages into a trace model and says
// what its events did; socket.js talks to /ws; timeline/ draws the trace on a canvas;
// urlstate.js keeps the URL in step with the sliders. The server serves each module minified,
// with a source map that holds it as written (server/assets.go).
package web

import "embed"

// Files holds the modules, served at /web/.
//
//go:embed *.js page/*.js trace/*.js timeline/*.js timeline/lanes/*.js
var Files embed.FS
