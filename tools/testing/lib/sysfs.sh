# SPDX-License-Identifier: GPL-2.0-only
# sysfs.sh - helpers for the in-VM shell suites that drive sysfs ABIs.

# sysfs_write FILE DATA: one write(2) of DATA, no newline added; prints OK or
# the errno name (busybox's printf does not say why a write failed, dd does).
sysfs_write() {
	local err
	if err=$(printf '%s' "$2" | dd of="$1" bs=8192 2>&1 >/dev/null); then
		echo OK
		return
	fi
	case "$err" in
	*"Invalid argument"*) echo EINVAL ;;
	*"File exists"*) echo EEXIST ;;
	*"Too many users"*) echo EUSERS ;;
	*"Device or resource busy"*) echo EBUSY ;;
	*"No such device"*) echo ENODEV ;;
	*"Permission denied"*) echo EACCES ;;
	*"No such file"*|*"nonexistent"*) echo ENOENT ;;
	*"Resource temporarily unavailable"*) echo EAGAIN ;;
	*"No space left"*) echo ENOSPC ;;
	*"Input/output error"*) echo EIO ;;
	*) echo "$err" ;;
	esac
}
