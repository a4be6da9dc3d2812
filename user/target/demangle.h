/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef FSP_DEMANGLE_H
#define FSP_DEMANGLE_H

#include <stddef.h>

/*
 * The name a person would write: C++ and Rust (legacy mangling) demangled, libstdc++'s
 * std::string spelled "std::string", Rust's trailing hash dropped. Other names are copied.
 * Returns 1 when the name was demangled.
 */
int fsp_demangle(const char *raw, char *out, size_t len);

/* Spell libstdc++'s string type "std::string", as fsp_demangle does: for names users type. */
void fsp_demangle_normalize(char *s, size_t len);

/* How well a symbol matches what the user typed; higher is better, 0 is no match. */
enum fsp_match {
	FSP_MATCH_NONE,
	FSP_MATCH_SUFFIX,    /* "Cache::get" for "ns::Cache::get(...)" */
	FSP_MATCH_NAME,      /* "Cache::get" for "Cache::get(int)": the name without parameters */
	FSP_MATCH_SIGNATURE, /* "Cache::get(int)", spaces ignored */
	FSP_MATCH_EXACT,     /* the raw symbol name itself */
};

enum fsp_match fsp_demangle_match(const char *raw, const char *display, const char *want);

#endif
