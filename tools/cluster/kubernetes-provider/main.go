// Command pulumi-resource-kubernetes serves Pulumi's Kubernetes provider from the pinned provider/v4 module.
//
// The upstream main package embeds generated files (schema-embed.json, terraform-mapping-embed.json) that
// its module does not ship. tools/cluster/binaries.ts copies the module's cmd/pulumi-resource-kubernetes
// schema.json and terraform-mapping.json next to a copy of this file in the build cache under those names
// before compiling; they are never committed (the schema is ~7 MB).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
