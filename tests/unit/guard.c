/* SPDX-License-Identifier: MIT */
/* guard.c - see guard.h. */
#include "guard.h"

#include <check.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t data_pages(size_t n, size_t page)
{
	return n == 0 ? 1 : (n + page - 1) / page;
}

const uint8_t *guard_copy(const void *src, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t dp = data_pages(n, page);
	uint8_t *base =
		mmap(NULL, (dp + 1) * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(base != MAP_FAILED, "mmap failed");
	ck_assert_int_eq(mprotect(base + dp * page, page, PROT_NONE), 0);
	uint8_t *p = base + dp * page - n;
	if (n > 0)
		memcpy(p, src, n);
	return p;
}

void guard_free(const uint8_t *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t dp = data_pages(n, page);
	munmap((void *)(p + n - dp * page), (dp + 1) * page);
}
