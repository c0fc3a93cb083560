/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The single-purpose tools that mdk runs as its subcommands: each one's
 * main(), renamed when tools/Makefile builds it into mdk.
 */
#ifndef _MDKCLI_H
#define _MDKCLI_H

int mdk_vfio_main(int argc, char **argv);	/* mdk-vfio.c */
int mdk_card_main(int argc, char **argv);	/* mdk-card.c */
int mdk_vnet_main(int argc, char **argv);	/* mdk-vnet.c */

#endif /* _MDKCLI_H */
