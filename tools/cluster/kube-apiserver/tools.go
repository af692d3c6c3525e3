//go:build tools

// Package tools pins Kubernetes' kube-apiserver main (k8s.io/kubernetes/cmd/kube-apiserver).
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
