#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs dependencies, cross-builds the arm64 agent (build/agent-arm64), builds the whole tree
# with its tests (build/test) and runs the suite with
# CTest. With Clang available the tree is built with Clang and KM_FUZZ=ON, so the suite includes
# a libFuzzer run of the model loader over a fixed number of inputs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
build="$root/build/test"
fuzz=OFF
compiler=()
if command -v clang++ >/dev/null 2>&1; then
  fuzz=ON
  compiler=(-DCMAKE_CXX_COMPILER=clang++)
fi
# The agent for 64-bit Arm boards, cross-built; the suite runs it under qemu-aarch64.
"$root/scripts/build-agent-arm64.sh"
# An OpenSSH server unpacked (not installed) for the ssh transport test, which skips without it.
"$root/scripts/test-sshd.sh" || echo "test.sh: no sshd could be unpacked; test_ssh_transport will skip"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKM_FUZZ=$fuzz "${compiler[@]}" \
  -DKM_ARM64_AGENT="$root/build/agent-arm64/app/agent/kernelmeter-agent" -DKM_ARM64_SYSROOT="$root/build/sysroot-arm64" \
  -DKM_TEST_SSHD="$root/build/sshd/usr/sbin/sshd"
cmake --build "$build" --parallel "$(nproc)"
cd "$build"
# --timeout only catches hangs: tests bound their work by counts, and a machine several times
# slower than the developers' must still pass.
ctest --output-on-failure --parallel "$(nproc)" --timeout 1800
