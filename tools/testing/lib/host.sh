# SPDX-License-Identifier: GPL-2.0-only
# host.sh - the common start of a host-side suite (tools/testing/host/*.sh):
# TAP output from tap.sh (no kernel log markers: there is no VM kernel
# here), $here (the suite's folder), $root (the repository) and $tmp (a
# scratch folder removed on exit).
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$here/../lib/tap.sh"
tap_begin() { :; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
