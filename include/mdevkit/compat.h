/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The differences between the kernels mdevkit builds against (Debian's 6.1
 * and 6.12), in one place, so that .c files carry no version tests. Each is
 * detected by what the kernel's headers provide, not by version number, so
 * that backports work too.
 */
#ifndef _MDEVKIT_COMPAT_H
#define _MDEVKIT_COMPAT_H

/* get_unaligned_le32() and friends: <linux/unaligned.h> since 6.12. */
#if __has_include("linux/unaligned.h")
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _MDEVKIT_COMPAT_H */
