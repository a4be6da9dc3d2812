/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the unit tests: whole-text comparison with a readable diff, and compiled
 * fixture files found under $FSP_FIXTURES (make unit sets it; default build/tests/fixtures).
 *
 * A test whose fixtures sit in a subfolder of that directory defines FIXTURE_SUBDIR ("place/")
 * before including this header.
 */
#ifndef FSP_TESTUTIL_H
#define FSP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#ifndef FIXTURE_SUBDIR
#define FIXTURE_SUBDIR ""
#endif

/* Writes len bytes of text to a new temporary file; returns its fd, path in path. */
static inline int testutil_tmpfile(char *path, size_t path_len, const char *text, size_t len)
{
	int fd;

	snprintf(path, path_len, "/tmp/fsp-test-text-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* diff -u of the two whole texts on stdout, when diff is installed; 0 when it ran. */
static inline int testutil_diff(const char *got, size_t got_len, const char *want, size_t want_len)
{
	char want_path[64], got_path[64], cmd[256];
	int want_fd, got_fd, ret = -1;

	if (access("/usr/bin/diff", X_OK))
		return -1;
	want_fd = testutil_tmpfile(want_path, sizeof(want_path), want, want_len);
	if (want_fd < 0)
		return -1;
	got_fd = testutil_tmpfile(got_path, sizeof(got_path), got, got_len);
	if (got_fd >= 0) {
		snprintf(cmd, sizeof(cmd), "/usr/bin/diff -a -u --label want --label got %s %s",
			 want_path, got_path);
		fflush(stdout);
		/* diff exits 1 when the files differ, which they do. */
		ret = system(cmd) == -1 ? -1 : 0;
		fflush(stdout);
		close(got_fd);
		unlink(got_path);
	}
	close(want_fd);
	unlink(want_path);
	return ret;
}

/*
 * assert_text(got, got_len, want): the whole of got equals want. On a mismatch: the first
 * differing line, then a unified diff of the whole texts (the texts are long), and the
 * caller's line; FSP_DUMP=1 also writes all of got on stderr, to review a deliberate change.
 */
#define assert_text(got, got_len, want) testutil_assert_text(got, got_len, want, __FILE__, __LINE__)

static inline void testutil_assert_text(const char *got, size_t got_len, const char *want,
					const char *file, int at)
{
	size_t i, line = 0, want_len = strlen(want);

	if (got_len == want_len && !memcmp(got, want, want_len))
		return;
	for (i = 0; i < got_len && i < want_len && got[i] == want[i]; i++)
		if (got[i] == '\n')
			line = i + 1;
	print_message("texts differ at byte %zu (line starting at byte %zu)\n  want: %.*s\n"
		      "  got:  %.*s\n",
		      i, line, (int)strcspn(want + line, "\n"), want + line,
		      (int)strcspn(got + line, "\n"), got + line);
	testutil_diff(got, got_len, want, want_len);
	if (getenv("FSP_DUMP"))
		fwrite(got, 1, got_len, stderr);
	print_error("ERROR: rendered text differs (got %zu bytes, want %zu)\n", got_len, want_len);
	_fail(file, at);
}

/* $FSP_FIXTURES/FIXTURE_SUBDIR/name; the last 4 results stay valid. */
static inline const char *fixture(const char *name)
{
	static char path[4][512];
	static int next;
	const char *dir = getenv("FSP_FIXTURES");
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/" FIXTURE_SUBDIR "%s",
		 dir && *dir ? dir : "build/tests/fixtures", name);
	return p;
}

/* 0 when every fixture in names exists, else -1 with a message naming the first missing. */
static inline int fixtures_present(const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (access(fixture(names[i]), R_OK)) {
			print_error("fixture %s missing: build the fixtures (make unit builds them "
				    "from tests/unit/fixtures/) or set FSP_FIXTURES\n",
				    fixture(names[i]));
			return -1;
		}
	}
	return 0;
}

/* Defines check_fixtures, a cmocka group setup that stops the group when one is missing. */
#define DEFINE_CHECK_FIXTURES(names)                                                               \
	static int check_fixtures(void **state)                                                    \
	{                                                                                          \
		(void)state;                                                                       \
		return fixtures_present(names, ARRAY_SIZE(names));                                 \
	}

#endif
