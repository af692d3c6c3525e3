module github.com/plinth-dev/plinth/tools/cluster/controller-gen

go 1.26.0

require (
	github.com/fluxcd/helm-controller/api v1.6.5
	github.com/fluxcd/kustomize-controller/api v1.9.6
	github.com/fluxcd/source-controller/api v1.9.0
	sigs.k8s.io/controller-tools v0.23.0
)
