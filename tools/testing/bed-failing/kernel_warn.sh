#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Every test passes, but the kernel WARNs: make check must fail the suite.
echo "1..1"
echo "mdevkit: test kernel_warn/loads_warning_module" >/dev/kmsg
modprobe mdk_bedtest warn=1
echo "ok 1 - loads_warning_module"
