// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdk_bedtest - test-only module that misbehaves on request, so the test bed
 * can prove that its console detector fails a run on a kernel WARN and on a
 * hung task.  Never installed; loaded only inside the test VM.
 *
 *   modprobe mdk_bedtest warn=1   - one WARN at load time
 *   modprobe mdk_bedtest hang=1   - a kthread blocks in D state until unload
 *   modprobe mdk_bedtest leak=1   - leaks one allocation (for kmemleak)
 */
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "Emit one WARN when loaded");

static bool hang;
module_param(hang, bool, 0444);
MODULE_PARM_DESC(hang, "Block a kthread uninterruptibly until unload");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "Leak one 512-byte allocation when loaded");

static struct task_struct *mdk_bedtest_task;

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
		void *lost = kmalloc(512, GFP_KERNEL);

		/* Forget the only reference: kmemleak must find it. */
		pr_info("mdk_bedtest: leaking %p on request\n", lost);
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
