#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs dependencies and builds the Release configuration in build/release (GUI, CLI and agent;
# no tests or benchmarks). run.sh and package.sh start with it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKM_BUILD_TESTS=OFF -DKM_BUILD_BENCH=OFF
cmake --build "$root/build/release" --parallel "$(nproc)"
