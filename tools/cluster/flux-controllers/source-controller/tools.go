//go:build tools

// Package tools pins Flux source-controller (its module root is the controller's main package).
package tools

import _ "github.com/fluxcd/source-controller"
