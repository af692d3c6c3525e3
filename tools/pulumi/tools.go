//go:build tools

// Package tools pins the Pulumi CLI that Plinth builds from Go modules (see ensure.ts).
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
