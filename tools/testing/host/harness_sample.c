// SPDX-License-Identifier: GPL-2.0-only
/*
 * harness_sample - a suite with one test of each outcome, for
 * harness_selftest.sh: the harness must report each one as what it is.
 */
#include "../harness.h"

TEST(passes)
{
	EXPECT_EQ(1, 1);
}

TEST(expect_fails_but_continues)
{
	EXPECT_EQ(1, 2);
	TH_LOG("still running after EXPECT");
}

TEST(assert_fails_and_stops)
{
	ASSERT_EQ(3, 4);
	TH_LOG("must not be reached");
}

TEST(skips)
{
	SKIP(return, "not applicable here");
}

TEST(crashes)
{
	raise(SIGSEGV);
}

TEST_TIMEOUT(times_out, 1)
{
	pause();
}

FIXTURE(fx) {
	int value;
};

FIXTURE_VARIANT(fx) {
	int want;
};

FIXTURE_VARIANT_ADD(fx, one) { .want = 1 };
FIXTURE_VARIANT_ADD(fx, two) { .want = 2 };

FIXTURE_SETUP(fx)
{
	self->value = 1;
}

FIXTURE_TEARDOWN(fx)
{
	printf("# teardown of fx ran (value %d)\n", self->value);
}

TEST_F(fx, value_matches_variant)
{
	EXPECT_EQ(variant->want, self->value);
}

TEST_F(fx, assert_in_body_still_tears_down)
{
	self->value = 7;
	ASSERT_EQ(0, 1);
	printf("must not be reached\n");
}

TEST_HARNESS_MAIN
