//go:build tools

// Package tools pins controller-gen and the Flux API modules whose Go types Plinth generates the Flux
// CustomResourceDefinitions from (see ../flux-crds.ts). Nothing here is compiled into Plinth itself.
package tools

import (
	_ "github.com/fluxcd/helm-controller/api/v2"
	_ "github.com/fluxcd/kustomize-controller/api/v1"
	_ "github.com/fluxcd/source-controller/api/v1"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
