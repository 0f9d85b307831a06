#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package KernelMeter needs to build, test and run. Non-interactive and
# idempotent; runs apt-get update first. Needs root (uses sudo when not root).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  # core
  libonnx-dev libprotobuf-dev protobuf-compiler libeigen3-dev libsqlite3-dev zlib1g-dev nlohmann-json3-dev
  libcli11-dev libfmt-dev sqlite3
  # runtimes measured by the agent (later issues link them)
  libopencv-dev libxnnpack-dev libpthreadpool-dev libxgboost-dev xgboost
  # GUI and reports
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev qt6-qpa-plugins libqcustomplot-dev graphviz
  # benchmarks
  libbenchmark-dev
  # test fixtures (never needed at run time) and report/screenshot checks
  python3 python3-numpy python3-onnx python3-torch python3-torchvision poppler-utils xvfb
  # packages (installer/): dpkg-shlibdeps for Depends; the package test's checkers
  dpkg-dev lintian desktop-file-utils appstream
  # the agent for 64-bit Arm boards: cross compiler, and qemu's user-mode emulator to test it here
  g++-aarch64-linux-gnu qemu-user
  # devices reached by ssh; the ssh transport test's server (test-sshd.sh unpacks it) needs libwrap0
  openssh-client libwrap0
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The arm64 agent links arm64 Debian packages unpacked into build/sysroot-arm64 (arm64-sysroot.sh);
# apt can fetch them once dpkg lists the architecture. Nothing arm64 is installed into the system.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then "${sudo_cmd[@]}" dpkg --add-architecture arm64; fi
"${sudo_cmd[@]}" apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages already installed"
fi
"$(dirname "$0")/arm64-sysroot.sh"
