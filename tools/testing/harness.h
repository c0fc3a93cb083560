/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * harness.h - the in-VM test harness of mdevkit, modelled on the kernel's
 * tools/testing/selftests/kselftest_harness.h.
 *
 *   FIXTURE(vfio) { int fd; };
 *   FIXTURE_VARIANT(vfio) { int kind; };
 *   FIXTURE_VARIANT_ADD(vfio, type1) { .kind = 1 };
 *   FIXTURE_SETUP(vfio) { self->fd = open(...); ASSERT_LE(0, self->fd); }
 *   FIXTURE_TEARDOWN(vfio) { close(self->fd); }
 *   TEST_F(vfio, api_version_is_0) { EXPECT_EQ(0, ioctl(self->fd, ...)); }
 *   TEST(plain_test) { ... SKIP(return, "why"); ... }
 *   TEST_TIMEOUT(slow_test, 300), TEST_F_TIMEOUT(vfio, slow, 300) { ... }
 *   TEST_HARNESS_MAIN
 *
 * Every test runs in its own child process (a crash or a failed ASSERT ends
 * that test only) under a timeout, and the suite prints TAP 13 on stdout:
 * "ok N - fixture.variant.test", "not ok N - ...", "ok N - ... # SKIP why".
 * Before each test a marker "mdevkit: test <suite>/<test>" goes to
 * /dev/kmsg, so the runner can name the test that was running when the
 * kernel reported a problem.  ASSERT_* stop the test, EXPECT_* go on; both
 * print what was expected and what was seen.
 */
#ifndef MDK_HARNESS_H
#define MDK_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

struct __test_metadata;
struct __fixture_variant_metadata;

struct __fixture_metadata {
	const char *name;
	struct __fixture_variant_metadata *variants;
	struct __fixture_metadata *next;
};

struct __fixture_variant_metadata {
	const char *name;
	const void *data;
	struct __fixture_variant_metadata *next;
};

struct __test_metadata {
	const char *name;
	struct __fixture_metadata *fixture;
	void (*fn)(struct __test_metadata *t,
		   const struct __fixture_variant_metadata *v);
	int timeout;
	struct __test_metadata *next;
	/* per run */
	int failed;
	int skipped;
	char skip_reason[256];
	/* a fixture's body runs with this set: an ASSERT jumps to teardown */
	int in_body;
	jmp_buf body_env;
};

static struct __test_metadata *__tests, **__tests_tail = &__tests;
static struct __fixture_metadata *__fixtures;
static struct __fixture_metadata __global_fixture __attribute__((unused)) = {
	.name = "global",
};
static struct __fixture_variant_metadata __no_variant = { .name = NULL };

static inline void __register_test(struct __test_metadata *t)
{
	*__tests_tail = t;
	__tests_tail = &t->next;
}

static inline void __register_fixture(struct __fixture_metadata *f)
{
	f->next = __fixtures;
	__fixtures = f;
}

static inline void __register_variant(struct __fixture_metadata *f,
				      struct __fixture_variant_metadata *v)
{
	struct __fixture_variant_metadata **p = &f->variants;

	while (*p)
		p = &(*p)->next;
	*p = v;
}

#define TEST_TIMEOUT_DEFAULT 60

#define __TEST_IMPL(test_name, fixt, tmo)				\
	static void test_name(struct __test_metadata *_metadata,	\
		const struct __fixture_variant_metadata *_variant);	\
	static struct __test_metadata __md_##test_name = {		\
		.name = #test_name, .fixture = &fixt,			\
		.fn = test_name, .timeout = tmo,			\
	};								\
	static void __attribute__((constructor)) __reg_##test_name(void) \
	{								\
		__register_test(&__md_##test_name);			\
	}								\
	static void test_name(struct __test_metadata *_metadata,	\
		const struct __fixture_variant_metadata *_variant)

#define TEST(name) __TEST_IMPL(name, __global_fixture, TEST_TIMEOUT_DEFAULT)
#define TEST_TIMEOUT(name, secs) __TEST_IMPL(name, __global_fixture, secs)

#define FIXTURE(fname)							\
	struct __fixture_variant_##fname;				\
	static struct __fixture_metadata __fixture_##fname = { .name = #fname }; \
	static void __attribute__((constructor)) __reg_fixture_##fname(void) \
	{								\
		__register_fixture(&__fixture_##fname);			\
	}								\
	struct __fixture_type_##fname

#define FIXTURE_VARIANT(fname) struct __fixture_variant_##fname

#define FIXTURE_VARIANT_ADD(fname, vname)				\
	static const struct __fixture_variant_##fname __v_##fname##_##vname; \
	static struct __fixture_variant_metadata __vm_##fname##_##vname = { \
		.name = #vname, .data = &__v_##fname##_##vname,		\
	};								\
	static void __attribute__((constructor))			\
	__reg_v_##fname##_##vname(void)					\
	{								\
		__register_variant(&__fixture_##fname, &__vm_##fname##_##vname); \
	}								\
	static const struct __fixture_variant_##fname __v_##fname##_##vname =

#define FIXTURE_SETUP(fname)						\
	static void __setup_##fname(struct __test_metadata *_metadata,	\
		struct __fixture_type_##fname *self,			\
		const struct __fixture_variant_##fname *variant)
#define FIXTURE_TEARDOWN(fname)						\
	static void __teardown_##fname(struct __test_metadata *_metadata, \
		struct __fixture_type_##fname *self,			\
		const struct __fixture_variant_##fname *variant)

#define TEST_F(fname, tname) TEST_F_TIMEOUT(fname, tname, TEST_TIMEOUT_DEFAULT)

#define TEST_F_TIMEOUT(fname, tname, secs)				\
	static void __body_##fname##_##tname(struct __test_metadata *_metadata, \
		struct __fixture_type_##fname *self,			\
		const struct __fixture_variant_##fname *variant);	\
	__TEST_IMPL(__f_##fname##_##tname, __fixture_##fname, secs)	\
	{								\
		struct __fixture_type_##fname self;			\
		const struct __fixture_variant_##fname *variant =	\
			_variant->data;					\
		memset(&self, 0, sizeof(self));				\
		__setup_##fname(_metadata, &self, variant);		\
		/* teardown runs after a failed ASSERT in the body too */ \
		if (!_metadata->failed && !_metadata->skipped &&	\
		    !setjmp(_metadata->body_env)) {			\
			_metadata->in_body = 1;				\
			__body_##fname##_##tname(_metadata, &self, variant); \
		}							\
		_metadata->in_body = 0;					\
		__teardown_##fname(_metadata, &self, variant);		\
	}								\
	static void __body_##fname##_##tname(struct __test_metadata *_metadata, \
		struct __fixture_type_##fname *self,			\
		const struct __fixture_variant_##fname *variant)

/* Messages go to stderr as TAP diagnostics. */
#define TH_LOG(fmt, ...)						\
	fprintf(stderr, "# %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__)

#define SKIP(statement, fmt, ...) do {					\
	snprintf(_metadata->skip_reason, sizeof(_metadata->skip_reason), \
		 fmt, ##__VA_ARGS__);					\
	_metadata->skipped = 1;						\
	statement;							\
} while (0)

#define __CMP(exp, seen, op, is_assert) do {				\
	__typeof__(exp) __e = (exp);					\
	__typeof__(seen) __s = (seen);					\
	if (!(__e op __s)) {						\
		TH_LOG("expected %s (%lld) %s %s (%lld)", #exp,		\
		       (long long)__e, #op, #seen, (long long)__s);	\
		if (errno)						\
			TH_LOG("  errno %d (%s)", errno, strerror(errno)); \
		_metadata->failed = 1;					\
		if (is_assert)						\
			__harness_abort(_metadata);			\
	}								\
} while (0)

#define ASSERT_EQ(e, s) __CMP(e, s, ==, 1)
#define ASSERT_NE(e, s) __CMP(e, s, !=, 1)
#define ASSERT_LT(e, s) __CMP(e, s, <, 1)
#define ASSERT_LE(e, s) __CMP(e, s, <=, 1)
#define ASSERT_GT(e, s) __CMP(e, s, >, 1)
#define ASSERT_GE(e, s) __CMP(e, s, >=, 1)
#define ASSERT_TRUE(s) __CMP(0, !!(s), !=, 1)
#define ASSERT_FALSE(s) __CMP(0, !!(s), ==, 1)
#define EXPECT_EQ(e, s) __CMP(e, s, ==, 0)
#define EXPECT_NE(e, s) __CMP(e, s, !=, 0)
#define EXPECT_LT(e, s) __CMP(e, s, <, 0)
#define EXPECT_LE(e, s) __CMP(e, s, <=, 0)
#define EXPECT_GT(e, s) __CMP(e, s, >, 0)
#define EXPECT_GE(e, s) __CMP(e, s, >=, 0)
#define EXPECT_TRUE(s) __CMP(0, !!(s), !=, 0)
#define EXPECT_FALSE(s) __CMP(0, !!(s), ==, 0)
#define ASSERT_STREQ(e, s) do {						\
	if (strcmp((e), (s))) {						\
		TH_LOG("expected \"%s\", saw \"%s\"", (e), (s));	\
		_metadata->failed = 1;					\
		__harness_abort(_metadata);				\
	}								\
} while (0)
#define EXPECT_STREQ(e, s) do {						\
	if (strcmp((e), (s))) {						\
		TH_LOG("expected \"%s\", saw \"%s\"", (e), (s));	\
		_metadata->failed = 1;					\
	}								\
} while (0)

/* Child exit codes: how a test ended. */
enum { __TH_PASS = 0, __TH_FAIL = 1, __TH_SKIP = 4 };

static inline void __harness_abort(struct __test_metadata *t)
{
	if (t->in_body) {	/* a failed ASSERT in a fixture's test body */
		t->in_body = 0;
		longjmp(t->body_env, 1);
	}
	fflush(NULL);
	_exit(t->failed ? __TH_FAIL : t->skipped ? __TH_SKIP : __TH_PASS);
}

static inline void __harness_kmsg(const char *suite, const char *name)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	dprintf(fd, "mdevkit: test %s/%s\n", suite, name);
	close(fd);
}

/* Runs one test in a child; returns 0 pass, 1 fail, 2 skip. */
static inline int __harness_run_one(struct __test_metadata *t,
				    const struct __fixture_variant_metadata *v,
				    const char *full, char *why, size_t whylen)
{
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd)) {
		fprintf(stderr, "# %s: pipe: %s\n", full, strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "# %s: fork: %s\n", full, strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return 1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		alarm(t->timeout);
		t->fn(t, v);
		if (t->skipped)
			n = write(pipefd[1], t->skip_reason, strlen(t->skip_reason));
		__harness_abort(t);
	}
	close(pipefd[1]);
	n = read(pipefd[0], why, whylen - 1);
	why[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0) {
		fprintf(stderr, "# %s: waitpid: %s\n", full, strerror(errno));
		return 1;
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "# %s: killed by signal %d%s\n", full,
			WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		return 1;
	}
	if (WEXITSTATUS(status) == __TH_SKIP)
		return 2;
	return WEXITSTATUS(status) ? 1 : 0;
}

static inline const char *__harness_suite(const char *argv0)
{
	const char *s = strrchr(argv0, '/');

	return s ? s + 1 : argv0;
}

/*
 * A suite may define HARNESS_DEBUG_VARIANTS ("qp2", or "a,b"): on the debug
 * kernel (KASAN, lockdep: ~10x slower) only those variants of its fixtures
 * run; the others are not planned, and a comment line says so.
 */
static inline bool __harness_variant_off(const struct __fixture_variant_metadata *v)
{
#ifdef HARNESS_DEBUG_VARIANTS
	static int debug = -1;
	char list[128], *w, *save;
	struct utsname u;

	if (debug < 0)
		debug = !uname(&u) && strstr(u.release, "debug");
	if (!debug || !v->name)
		return false;
	snprintf(list, sizeof(list), "%s", HARNESS_DEBUG_VARIANTS);
	for (w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (!strcmp(w, v->name))
			return false;
	return true;
#else
	return false;
#endif
}

static inline int __harness_main(int argc, char **argv)
{
	const char *suite = __harness_suite(argv[0]);
	const struct __fixture_variant_metadata *v;
	int total = 0, n = 0, pass = 0, fail = 0, skip = 0, off = 0, r;
	struct __test_metadata *t;
	char full[512], why[256];

	for (t = __tests; t; t = t->next)
		for (v = t->fixture->variants ? t->fixture->variants : &__no_variant;
		     v; v = v->next)
			__harness_variant_off(v) ? off++ : total++;
	printf("TAP version 13\n1..%d\n", total);
#ifdef HARNESS_DEBUG_VARIANTS
	if (off) {
		printf("# debug kernel: only the variants %s run",
		       HARNESS_DEBUG_VARIANTS);
		printf(" (%d tests of other variants not planned)\n", off);
	}
#endif
	for (t = __tests; t; t = t->next) {
		for (v = t->fixture->variants ? t->fixture->variants : &__no_variant;
		     v; v = v->next) {
			const char *tn = strncmp(t->name, "__f_", 4) ? t->name :
					 t->name + 4;

			if (__harness_variant_off(v))
				continue;

			snprintf(full, sizeof(full), "%s%s%s", v->name ? v->name : "",
				 v->name ? "." : "", tn);
			if (argc > 1 && !strstr(full, argv[1])) {
				printf("ok %d - %s # SKIP filtered out\n", ++n, full);
				skip++;
				continue;
			}
			__harness_kmsg(suite, full);
			r = __harness_run_one(t, v, full, why, sizeof(why));
			n++;
			if (r == 2) {
				printf("ok %d - %s # SKIP %s\n", n, full, why);
				skip++;
			} else {
				printf("%sok %d - %s\n", r ? "not " : "", n, full);
				r ? fail++ : pass++;
			}
			fflush(stdout);
		}
	}
	printf("# %s: pass:%d fail:%d skip:%d total:%d\n", suite, pass, fail,
	       skip, total);
	return fail ? 1 : 0;
}

#define TEST_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		return __harness_main(argc, argv);			\
	}

/*
 * A rate, @d over @dt seconds, within @tol (relative) of @want; logged
 * with @what. Returns the rate.
 */
static inline double
mdk_check_rate(struct __test_metadata *_metadata, double tol, double d,
	       double dt, double want, const char *what)
{
	double got = d / dt;

	TH_LOG("%s: %.1f over %.2f s = %.1f/s, limit %.1f/s, error %+.1f%%",
	       what, d, dt, got, want, 100 * (got / want - 1));
	EXPECT_GE(tol, got / want - 1);
	EXPECT_GE(tol, 1 - got / want);
	return got;
}

#endif /* MDK_HARNESS_H */
