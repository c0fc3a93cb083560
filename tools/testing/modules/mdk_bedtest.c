// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bedtest - test-only module that misbehaves on request, so the test bed
 * can prove that its console detector fails a run on a kernel WARN and on a
 * hung task.  Never installed; loaded only inside the test VM.
 *
 *   modprobe mdk_bedtest warn=1   - one WARN at load time
 *   modprobe mdk_bedtest hang=1   - a kthread blocks in D state until unload
 *   modprobe mdk_bedtest leak=1   - leaks 16 allocations (for kmemleak)
 */
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "Emit one WARN when loaded");

static bool hang;
module_param(hang, bool, 0444);
MODULE_PARM_DESC(hang, "Block a kthread uninterruptibly until unload");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "Leak 16 allocations of 512 bytes when loaded");

static struct task_struct *mdk_bedtest_task;

/*
 * Allocates and forgets, many times: a stale copy of the last pointer may
 * linger in a register save area or another stack that kmemleak scans, but
 * the earlier ones are gone, so every scan finds at least one leak.
 */
static noinline void mdk_bedtest_leak(void)
{
	int i, got = 0;

	for (i = 0; i < 16; i++)
		got += !!kmalloc(512, GFP_KERNEL);
	pr_info("mdk_bedtest: leaked %d allocations of 512 bytes on request\n", got);
}

/*
 * Zeroes the stack below the caller, where copies of the leaked pointer may
 * linger in dead frames; kmemleak scans whole stacks and would see them.
 */
static noinline void mdk_bedtest_clobber_stack(int depth)
{
	u8 buf[1024];

	memzero_explicit(buf, sizeof(buf));
	if (depth > 0)
		mdk_bedtest_clobber_stack(depth - 1);
	barrier_data(buf);
}

static int mdk_bedtest_hang_fn(void *data)
{
	/* Uninterruptible on purpose: this is what the hung-task detector sees. */
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init mdk_bedtest_init(void)
{
	WARN(warn, "mdk_bedtest: WARN requested by the test bed\n");
	if (leak) {
		mdk_bedtest_leak();
		mdk_bedtest_clobber_stack(6);
	}
	if (!hang)
		return 0;
	mdk_bedtest_task = kthread_run(mdk_bedtest_hang_fn, NULL, "mdk_bedtest");
	return PTR_ERR_OR_ZERO(mdk_bedtest_task);
}
module_init(mdk_bedtest_init);

static void __exit mdk_bedtest_exit(void)
{
	if (mdk_bedtest_task)
		kthread_stop(mdk_bedtest_task);
}
module_exit(mdk_bedtest_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdevkit test bed: WARN and hung-task generator (test only)");
