#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A suite with one failing test: make check must count it and fail.
echo "1..2"
echo "ok 1 - passes"
echo "not ok 2 - fails on purpose"
exit 1
