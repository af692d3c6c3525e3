//go:build tools

// Package tools pins Flux kustomize-controller (its module root is the controller's main package).
package tools

import _ "github.com/fluxcd/kustomize-controller"
