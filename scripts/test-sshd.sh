#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Unpacks Debian's OpenSSH server into one folder (default build/sshd) without installing it, for
# test_ssh_transport: installing openssh-server would start and enable a system ssh service on
# the developer's machine, and the test runs a private sshd on 127.0.0.1 with keys of its own.
# Its libraries and the ssh client come from install-deps.sh (openssh-client, libwrap0).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/sshd}
want="openssh-server $(apt-cache policy openssh-server | awk '/Candidate/ {print $2}')"
stamp="$dir/.package"
if [ -x "$dir/usr/sbin/sshd" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "test-sshd: $dir is up to date"
  exit 0
fi
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
sandbox=()
if [ "$(id -u)" -eq 0 ]; then sandbox=(-o APT::Sandbox::User=root); fi  # as in arm64-sysroot.sh
(cd "$debs" && apt-get download -qq "${sandbox[@]}" openssh-server)
rm -rf "$dir"
mkdir -p "$dir"
dpkg-deb -x "$debs"/openssh-server_*.deb "$dir"
echo "$want" > "$stamp"
echo "test-sshd: unpacked $want into $dir (not installed)"
