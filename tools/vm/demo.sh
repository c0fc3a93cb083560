#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# demo.sh [KVER] - `make demo`: boot the test VM and walk through what a user
# of mdevkit does there (the guest side is tools/vm/demo-guest.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kver=${1:-$("$MDK_ROOT/tools/vm/kernel.sh" list | head -1)}
exec "$MDK_ROOT/tools/vm/run.sh" -k "$kver" -n demo -t 900 -- /opt/mdevkit/demo.sh
