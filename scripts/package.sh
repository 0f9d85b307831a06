#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs dependencies, builds the Release configuration (build/release, as run.sh does) and makes
# the packages in build/package: kernelmeter_<version>_<arch>.deb and
# kernelmeter-<version>-linux-<arch>.tar.gz (docs/install.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build-release.sh"
build="$root/build/release"
cpack --config "$build/CPackConfig.cmake" -B "$root/build/package"
rm -rf "$root/build/package/_CPack_Packages"
ls -l "$root"/build/package/kernelmeter*
