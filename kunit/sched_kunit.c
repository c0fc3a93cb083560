// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdk_sched: the mdev_core device scheduler policy
 * (mdev_core/mdev_sched.c). Placeholder, filled in by the suite's author.
 */
#include <kunit/test.h>
#include <mdevkit/sched.h>

static void mdk_sched_starts_empty(struct kunit *test)
{
	struct mdk_sched s;
	u64 wait;

	mdk_sched_init(&s);
	KUNIT_EXPECT_NULL(test, mdk_sched_pick(&s, 0, &wait));
	KUNIT_EXPECT_EQ(test, U64_MAX, wait);
}

static struct kunit_case mdk_sched_cases[] = {
	KUNIT_CASE(mdk_sched_starts_empty),
	{}
};

static struct kunit_suite mdk_sched_suite = {
	.name = "mdk_sched",
	.test_cases = mdk_sched_cases,
};
kunit_test_suite(mdk_sched_suite);
