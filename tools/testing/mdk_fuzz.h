/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdk_fuzz.h - the plumbing of the structured fuzzer (suites/vfio_mdev_fuzz.c,
 * docs/fuzz.md): a seeded generator whose streams are derived from one run
 * seed, and per-thread logs of the last operations, kept in memory shared
 * by every process of the run so that the supervisor can print them when a
 * worker dies or the kernel reports a problem.
 *
 *   struct fz_rng r = fz_rng(fz_derive(seed, "vt", slot, gen, thread));
 *   fz_op(log, "SET_IRQS idx %u start %u count %u", ...);  before the call
 *   fz_ret(log, ret);                                        after it
 */
#ifndef MDK_FUZZ_H
#define MDK_FUZZ_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* splitmix64: tiny, fast, and every 64-bit seed gives a good stream */
struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_next(struct fz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline struct fz_rng fz_rng(uint64_t seed)
{
	struct fz_rng r = { .s = seed };

	fz_next(&r);
	return r;
}

/* A seed for one stream: the run seed, a name and up to three numbers. */
static inline uint64_t fz_derive(uint64_t seed, const char *name,
				 uint64_t a, uint64_t b, uint64_t c)
{
	struct fz_rng r = { .s = seed };

	while (*name)
		r.s ^= fz_next(&r) + (unsigned char)*name++;
	r.s ^= fz_next(&r) + a;
	r.s ^= fz_next(&r) + b;
	r.s ^= fz_next(&r) + c;
	return fz_next(&r);
}

/* Uniform in [0, n) (0 when n is 0). */
static inline uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	return n ? fz_next(r) % n : 0;
}

/* True @pct percent of the time. */
static inline int fz_chance(struct fz_rng *r, unsigned int pct)
{
	return fz_below(r, 100) < pct;
}

/* Picks an index by weight: @w has @n entries. */
static inline unsigned int fz_pick(struct fz_rng *r, const unsigned int *w,
				   unsigned int n)
{
	unsigned int i, sum = 0, x;

	for (i = 0; i < n; i++)
		sum += w[i];
	x = fz_below(r, sum);
	for (i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* The values boundaries are made of, or a random one. */
static inline uint32_t fz_u32(struct fz_rng *r)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 0xf, 0x10, 0x3f, 0x40, 0xff, 0x100,
		0xfff, 0x1000, 0x1001, 0xffff, 0x10000, 0x7fffffff,
		0x80000000, 0xfffffffe, 0xffffffff,
	};

	if (fz_chance(r, 60))
		return v[fz_below(r, sizeof(v) / sizeof(v[0]))];
	return (uint32_t)fz_next(r);
}

static inline uint64_t fz_u64(struct fz_rng *r)
{
	static const uint64_t v[] = {
		0x100000000ULL, 0xffffffffffULL, 1ULL << 40, (1ULL << 40) - 1,
		1ULL << 63, ~0ULL, ~0ULL - 0xfff, 0x7fffffffffffffffULL,
	};

	if (fz_chance(r, 50))
		return fz_u32(r);
	if (fz_chance(r, 60))
		return v[fz_below(r, sizeof(v) / sizeof(v[0]))];
	return fz_next(r);
}

static inline void fz_fill(struct fz_rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i % 8))
			x = fz_next(r);
		p[i] = x >> (8 * (i % 8));
	}
}

/* The last FZ_LOG operations of one thread. */
#define FZ_LOG		256
#define FZ_OPLEN	120

struct fz_log {
	char name[48];
	volatile uint64_t n;		/* operations so far */
	char op[FZ_LOG][FZ_OPLEN];
};

static inline void fz_vop(struct fz_log *l, const char *fmt, va_list ap)
{
	char *e = l->op[l->n % FZ_LOG];
	int k = snprintf(e, FZ_OPLEN, "%llu ", (unsigned long long)l->n);

	vsnprintf(e + k, FZ_OPLEN - k, fmt, ap);
	__atomic_store_n(&l->n, l->n + 1, __ATOMIC_RELEASE);
}

static inline void __attribute__((format(printf, 2, 3)))
fz_op(struct fz_log *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fz_vop(l, fmt, ap);
	va_end(ap);
}

/* Appends " = RET" (or " = -ERRNO") to the last operation. */
static inline void fz_ret(struct fz_log *l, long ret)
{
	char *e;
	size_t k;

	if (!l->n)
		return;
	e = l->op[(l->n - 1) % FZ_LOG];
	k = strnlen(e, FZ_OPLEN);
	snprintf(e + k, FZ_OPLEN - k, " = %ld", ret);
}

/* Prints the last @last operations of @l (all kept ones if @last is 0). */
static inline void fz_dump(FILE *f, const struct fz_log *l, unsigned int last)
{
	uint64_t n = l->n, i, from;

	if (!n)
		return;
	if (!last || last > FZ_LOG)
		last = FZ_LOG;
	from = n > last ? n - last : 0;
	fprintf(f, "# --- %s: last %llu of %llu operations\n", l->name,
		(unsigned long long)(n - from), (unsigned long long)n);
	for (i = from; i < n; i++)
		fprintf(f, "#   %s: %.*s\n", l->name, FZ_OPLEN,
			l->op[i % FZ_LOG]);
}

#endif /* MDK_FUZZ_H */
