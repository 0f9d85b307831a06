#!/usr/bin/env bash
# Installs dependencies, builds the Release configuration (build/release, as run.sh does) and makes
# the packages in build/package: kernelmeter_<version>_<arch>.deb and
# kernelmeter-<version>-linux-<arch>.tar.gz (docs/install.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
build="$root/build/release"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKM_BUILD_TESTS=OFF -DKM_BUILD_BENCH=OFF
cmake --build "$build" --parallel "$(nproc)"
cpack --config "$build/CPackConfig.cmake" -B "$root/build/package"
rm -rf "$root/build/package/_CPack_Packages"
ls -l "$root"/build/package/kernelmeter*
