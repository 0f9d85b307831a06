#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-builds kernelmeter-agent for 64-bit Arm Linux (XNNPACK runtime only) with Debian's cross
# toolchain against the unpacked arm64 packages of scripts/arm64-sysroot.sh, in build/agent-arm64,
# and with --package makes build/package/kernelmeter-agent_<version>_arm64.deb and a tarball.
# Run scripts/install-deps.sh once before (it installs the cross toolchain and qemu-user).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/agent-arm64"
sysroot="$root/build/sysroot-arm64"
"$root/scripts/arm64-sysroot.sh" "$sysroot"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DKM_AGENT_ONLY=ON \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" -DKM_ARM64_SYSROOT="$sysroot" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
echo "build-agent-arm64: $build/app/agent/kernelmeter-agent"
if [ "${1:-}" = "--package" ]; then
  cpack --config "$build/CPackConfig.cmake" -B "$root/build/package"
  rm -rf "$root/build/package/_CPack_Packages"
  ls -l "$root"/build/package/kernelmeter-agent*
fi
