// Package web holds the front end's build, embedded in the binary. The build (web/dist)
// is not committed: the image builds it before the Go build.
package web

import "embed"

//go:embed dist
var Dist embed.FS
