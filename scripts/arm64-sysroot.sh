#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Unpacks the arm64 Debian packages the cross-built kernelmeter-agent compiles and links against
# into one folder (default build/sysroot-arm64), without installing them: Debian 12's arm64
# development packages of XNNPACK, ONNX and OpenCV cannot be installed beside the host's. Needs
# the arm64 architecture in dpkg's list (install-deps.sh adds it) for `apt-get download`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sysroot=${1:-$root/build/sysroot-arm64}
packages=(
  libxnnpack0 libxnnpack-dev libpthreadpool0 libpthreadpool-dev libcpuinfo0
  libonnx1 libonnx-dev libonnxifi libprotobuf32 libprotobuf-dev zlib1g zlib1g-dev libfmt9 libfmt-dev
)
header_only=(nlohmann-json3-dev libcli11-dev)  # architecture "all"
stamp="$sysroot/.packages"
want="$(for p in "${packages[@]}"; do apt-cache policy "$p:arm64" | awk '/Candidate/ {print "'"$p"'", $2}'; done)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "arm64-sysroot: $sysroot is up to date"
  exit 0
fi
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
args=()
for p in "${packages[@]}"; do args+=("$p:arm64"); done
sandbox=()
if [ "$(id -u)" -eq 0 ]; then sandbox=(-o APT::Sandbox::User=root); fi  # root: apt's _apt user cannot write a root-owned mktemp
(cd "$debs" && apt-get download -qq "${sandbox[@]}" "${args[@]}" "${header_only[@]}")
rm -rf "$sysroot"
mkdir -p "$sysroot"
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
# Absolute symbolic links (libz.so -> /lib/...) would point into the host: make them relative to the folder.
find "$sysroot" -type l -lname '/*' | while read -r link; do
  target=$(readlink "$link")
  ln -sfnr "$sysroot$target" "$link"
done
echo "$want" > "$stamp"
echo "arm64-sysroot: unpacked ${#packages[@]} arm64 and ${#header_only[@]} header-only packages into $sysroot"
