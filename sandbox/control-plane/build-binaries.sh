#!/usr/bin/env bash
# Builds the control-plane binaries the sandbox runs (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok) from the Go module proxy, into OUT_DIR.
#
# Kubernetes is not meant to be consumed as a module: its go.mod requires the staging modules
# (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and replaces them with ./staging paths. A wrapper
# module requires k8s.io/kubernetes at the pinned release and replaces each staging module with its
# published v0.<minor>.<patch>. The list is read from that release's own go.mod, never kept by hand.
# etcd is built from the same wrapper at the version that release pins.
#
# usage: build-binaries.sh <kubernetes-version, e.g. v1.35.4> <kwok-version> <out-dir>
set -euo pipefail

K8S_VERSION=${1:?kubernetes version}
KWOK_VERSION=${2:?kwok version}
OUT_DIR=${3:?output directory}
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

step() { printf '[control-plane build] %s (%s)\n' "$*" "$(date +%H:%M:%S)" >&2; }

staging_version="v0.${K8S_VERSION#v1.}"
work=$(mktemp -d "${TMPDIR:-/tmp}/burstlet-k8s-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT_DIR"

step "reading k8s.io/kubernetes@${K8S_VERSION} go.mod from the module proxy"
cd "$work"
go mod init burstlet.local/control-plane >/dev/null 2>&1
k8s_mod=$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
[ -f "$k8s_mod" ] || { echo "could not download k8s.io/kubernetes@${K8S_VERSION}" >&2; exit 1; }
go_directive=$(awk '$1 == "go" { print $2; exit }' "$k8s_mod")
go mod edit -go="$go_directive"

staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$k8s_mod")
[ -n "$staging" ] || { echo "no staging replaces found in k8s.io/kubernetes go.mod" >&2; exit 1; }
for m in $staging; do go mod edit -replace="${m}=${m}@${staging_version}"; done
step "$(echo "$staging" | wc -l) staging modules replaced with their published ${staging_version}"

etcd_version=$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$k8s_mod")
[ -n "$etcd_version" ] || { echo "k8s.io/kubernetes ${K8S_VERSION} does not pin go.etcd.io/etcd/server/v3" >&2; exit 1; }

step "resolving modules for kubernetes ${K8S_VERSION} and etcd ${etcd_version} (downloads on the first run)"
go get "k8s.io/kubernetes@${K8S_VERSION}" "go.etcd.io/etcd/server/v3@${etcd_version}" >/dev/null 2>&1 || \
  go get "k8s.io/kubernetes@${K8S_VERSION}" "go.etcd.io/etcd/server/v3@${etcd_version}"
cat > tools.go <<GO
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
)
GO
go mod tidy -e >/dev/null 2>&1 || true

# /version must report the real release, not v0.0.0-master.
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
vpkg=k8s.io/component-base/version
ldflags="-s -w -X ${vpkg}.gitVersion=${K8S_VERSION} -X ${vpkg}.gitMajor=1 -X ${vpkg}.gitMinor=${minor}"
ldflags+=" -X ${vpkg}.gitTreeState=clean -X ${vpkg}.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"

for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
  step "compiling ${cmd} ${K8S_VERSION} (the first is the slowest: shared packages compile once)"
  go build -trimpath -ldflags "$ldflags" -o "$OUT_DIR/$cmd" "k8s.io/kubernetes/cmd/$cmd"
done

step "compiling etcd ${etcd_version}"
go build -trimpath -ldflags "-s -w" -o "$OUT_DIR/etcd" "go.etcd.io/etcd/server/v3"

step "compiling kwok ${KWOK_VERSION}"
GOBIN="$OUT_DIR" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}"

printf '%s\n' "kubernetes=${K8S_VERSION}" "etcd=${etcd_version}" "kwok=${KWOK_VERSION}" > "$OUT_DIR/VERSIONS"
step "done: $(ls "$OUT_DIR" | tr '\n' ' ')"
