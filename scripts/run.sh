#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs dependencies, builds KernelMeter (build/release) and starts the GUI on the bundled
# example model. Extra arguments go to the GUI (e.g. another model file).
# Headless (QT_QPA_PLATFORM=offscreen) and without arguments, it renders the window to
# build/release/kernelmeter-example.png and exits instead of waiting for a user.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build-release.sh"
build="$root/build/release"
example="$root/resources/examples/mobilenet_v3_small.onnx"
if [ $# -eq 0 ] && [ "${QT_QPA_PLATFORM:-}" = "offscreen" ]; then
  "$build/app/kernelmeter" "$example" --screenshot "$build/kernelmeter-example.png"
  echo "run: headless; the main window on $example was rendered to $build/kernelmeter-example.png"
  exit 0
fi
if [ $# -eq 0 ]; then set -- "$example"; fi
exec "$build/app/kernelmeter" "$@"
