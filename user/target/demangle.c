// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demangle.h"

/* libstdc++'s Itanium demangler; plain C linkage, so C can call it. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

static void replace_all(char *s, size_t len, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = s;

	while ((p = strstr(p, from))) {
		if (strlen(s) - fl + tl >= len)
			return;
		memmove(p + tl, p + fl, strlen(p + fl) + 1);
		memcpy(p, to, tl);
		p += tl;
	}
}

/* Rust legacy symbols end in ::h followed by 16 hex digits: a hash nobody types. */
static void drop_rust_hash(char *s)
{
	size_t n = strlen(s), i;

	if (n < 19 || strncmp(s + n - 19, "::h", 3))
		return;
	for (i = n - 16; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return;
	s[n - 19] = '\0';
}

int fsp_demangle(const char *raw, char *out, size_t len)
{
	char *d;
	int status;

	if (strncmp(raw, "_Z", 2)) {
		snprintf(out, len, "%s", raw);
		return 0;
	}
	d = __cxa_demangle(raw, NULL, NULL, &status);
	if (!d || status) {
		free(d);
		snprintf(out, len, "%s", raw);
		return 0;
	}
	snprintf(out, len, "%s", d);
	free(d);
	fsp_demangle_normalize(out, len);
	drop_rust_hash(out);
	return 1;
}

void fsp_demangle_normalize(char *s, size_t len)
{
	replace_all(s, len, "std::__cxx11::basic_string<char, std::char_traits<char>, "
			    "std::allocator<char> >", "std::string");
}

/* Compare ignoring spaces, so "get(int, char)" matches "get(int,char)". */
static int same_nospace(const char *a, const char *b, size_t blen)
{
	const char *bend = b + blen;

	for (;;) {
		while (*a == ' ')
			a++;
		while (b < bend && *b == ' ')
			b++;
		if (!*a || b == bend)
			return !*a && b == bend;
		if (*a++ != *b++)
			return 0;
	}
}

enum fsp_match fsp_demangle_match(const char *raw, const char *display, const char *want)
{
	size_t name_len, wl = strlen(want);
	const char *paren;

	if (!strcmp(raw, want))
		return FSP_MATCH_EXACT;
	if (!strcmp(raw, display))
		return FSP_MATCH_NONE; /* not demangled: only the exact name counts */
	if (same_nospace(want, display, strlen(display)))
		return FSP_MATCH_SIGNATURE;
	paren = strchr(display, '(');
	name_len = paren ? (size_t)(paren - display) : strlen(display);
	if (name_len == wl && !strncmp(display, want, wl))
		return FSP_MATCH_NAME;
	if (name_len > wl + 2 && !strncmp(display + name_len - wl, want, wl) &&
	    !strncmp(display + name_len - wl - 2, "::", 2))
		return FSP_MATCH_SUFFIX;
	return FSP_MATCH_NONE;
}
