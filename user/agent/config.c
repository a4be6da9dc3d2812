// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>
#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAX_FILE_SIZE (1 << 20)
/* Three levels hold every valid file; the cap only keeps the tree builder's recursion short. */
#define MAX_DEPTH	    32
#define DEFAULT_MAX_SYMBOLS 10000
#define MAX_MAX_SYMBOLS	    1000000
#define DEFAULT_MAX_SERIES  100000
#define MAX_MAX_SERIES	    10000000
#define DEFAULT_TTL_MS	    (5 * 60 * 1000ULL)
#define HOW_TO_COUNT	    "; use lookup with miss or hit_when, or hit with miss"

/* The document as a tree, so a mapping can be checked whole: duplicates, required keys. */
struct node {
	yaml_node_type_t type;
	yaml_mark_t mark;
	char *str; /* scalar: its value, NUL-terminated (len says if it holds a NUL) */
	size_t len;
	bool plain;	    /* unquoted: only a plain scalar can be null or a number */
	struct node **kids; /* sequence: items; mapping: key, value, key, value... */
	size_t nkids;
};

struct ctx {
	const char *name;
	const char *text;
	size_t len;
	char *err;
	size_t errlen;
	yaml_parser_t parser;
};

static void set_error(struct ctx *cx, size_t line, size_t column, const char *fmt, va_list ap)
{
	int n;

	if (!cx->errlen)
		return;
	n = snprintf(cx->err, cx->errlen, "%s:%zu:%zu: ", cx->name, line, column);
	if (n >= 0 && (size_t)n < cx->errlen)
		vsnprintf(cx->err + n, cx->errlen - n, fmt, ap);
}

__attribute__((format(printf, 3, 4))) static int fail_at(struct ctx *cx, const yaml_mark_t *m,
							 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(cx, m->line + 1, m->column + 1, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define fail(cx, node, ...) fail_at(cx, &(node)->mark, __VA_ARGS__)

static int oom(struct ctx *cx)
{
	if (cx->errlen)
		snprintf(cx->err, cx->errlen, "%s: out of memory", cx->name);
	return -ENOMEM;
}

/* A value as it may appear in a message: one line, bounded, control bytes escaped. */
static const char *quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t i, o = 0;

	buf[o++] = '\'';
	for (i = 0; i < len && o + 8 < size; i++) {
		unsigned char ch = s[i];

		if (ch < 0x20 || ch == 0x7f)
			o += snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = ch;
	}
	if (i < len) {
		/* Cut before a UTF-8 continuation byte, never inside a character. */
		while (o > 1 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 1 && (unsigned char)buf[o - 1] >= 0xc0)
			o--;
		o += snprintf(buf + o, size - o, "...");
	}
	snprintf(buf + o, size - o, "'");
	return buf;
}

static bool is_null(const struct node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n->type != YAML_SCALAR_NODE || !n->plain)
		return false;
	for (i = 0; i < ARRAY_SIZE(nulls); i++)
		if (!strcmp(n->str, nulls[i]) && strlen(nulls[i]) == n->len)
			return true;
	return false;
}

/* What was found, for "expected X, got Y". */
static const char *show(const struct node *n, char *buf, size_t size)
{
	char q[96];

	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	if (is_null(n))
		return "nothing";
	quote(n->str, n->len, q, sizeof(q));
	snprintf(buf, size, "%s%s", n->plain ? "" : "the quoted string ", q);
	return buf;
}

static void free_node(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		free_node(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

/* libyaml's own message, at its own mark. */
static int syntax_error(struct ctx *cx)
{
	yaml_parser_t *p = &cx->parser;
	size_t i, line = 1, column = 1;

	if (p->error == YAML_MEMORY_ERROR)
		return oom(cx);
	if (p->error == YAML_READER_ERROR) {
		/* The reader gives a byte offset, not a mark; count characters up to it. */
		for (i = 0; i < p->problem_offset && i < cx->len; i++) {
			if (cx->text[i] == '\n')
				line++, column = 1;
			else if (((unsigned char)cx->text[i] & 0xc0) != 0x80)
				column++;
		}
		if (cx->errlen)
			snprintf(cx->err, cx->errlen, "%s:%zu:%zu: invalid YAML: %s", cx->name,
				 line, column, p->problem);
		return -EINVAL;
	}
	if (p->context)
		return fail_at(cx, &p->problem_mark,
			       "invalid YAML: %s (%s at line %zu, column %zu)", p->problem,
			       p->context, p->context_mark.line + 1, p->context_mark.column + 1);
	return fail_at(cx, &p->problem_mark, "invalid YAML: %s",
		       p->problem ? p->problem : "unknown error");
}

static int next_event(struct ctx *cx, yaml_event_t *ev)
{
	return yaml_parser_parse(&cx->parser, ev) ? 0 : syntax_error(cx);
}

/* Anchors, aliases and tags: refused, so every value is read where it is written. */
static int check_props(struct ctx *cx, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return fail_at(cx, &ev->start_mark,
			       "aliases (*%s) are not supported: write the value out",
			       ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor)
		return fail_at(cx, &ev->start_mark, "anchors (&%s) are not supported", anchor);
	if (tag)
		return fail_at(cx, &ev->start_mark, "tags (%s) are not supported", tag);
	return 0;
}

/* The node that ev starts, with everything under it; the caller frees *out, even on an error. */
static int build(struct ctx *cx, const yaml_event_t *ev, int depth, struct node **out)
{
	yaml_event_type_t end = YAML_SEQUENCE_END_EVENT;
	size_t cap = 0;
	struct node *n;
	int err;

	*out = NULL;
	err = check_props(cx, ev);
	if (err)
		return err;
	if (depth > MAX_DEPTH)
		return fail_at(cx, &ev->start_mark, "nested deeper than %d levels", MAX_DEPTH);
	n = calloc(1, sizeof(*n));
	if (!n)
		return oom(cx);
	*out = n;
	n->mark = ev->start_mark;
	if (ev->type == YAML_SCALAR_EVENT) {
		n->type = YAML_SCALAR_NODE;
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->str = malloc(n->len + 1);
		if (!n->str)
			return oom(cx);
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		return 0;
	}
	n->type = YAML_SEQUENCE_NODE;
	if (ev->type == YAML_MAPPING_START_EVENT) {
		n->type = YAML_MAPPING_NODE;
		end = YAML_MAPPING_END_EVENT;
	}
	for (;;) {
		yaml_event_t kid;

		err = next_event(cx, &kid);
		if (err)
			return err;
		if (kid.type == end) {
			yaml_event_delete(&kid);
			return 0;
		}
		if (n->nkids == cap) {
			struct node **k;

			cap = cap ? cap * 2 : 8;
			k = realloc(n->kids, cap * sizeof(*k));
			if (!k) {
				yaml_event_delete(&kid);
				return oom(cx);
			}
			n->kids = k;
		}
		err = build(cx, &kid, depth + 1, &n->kids[n->nkids]);
		n->nkids++;
		yaml_event_delete(&kid);
		if (err)
			return err;
	}
}

/* Exactly one document, whose root goes to *root (freed by the caller, even on an error). */
static int read_tree(struct ctx *cx, struct node **root)
{
	yaml_event_t ev;
	int err, i;

	*root = NULL;
	/* The stream start, then a document start or the end of an empty stream. */
	for (i = 0; i < 2; i++) {
		err = next_event(cx, &ev);
		if (err)
			return err;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_mark_t start = {};

			yaml_event_delete(&ev);
			return fail_at(cx, &start,
				       "the file is empty (or only comments): it needs "
				       "at least targets");
		}
		yaml_event_delete(&ev);
	}
	err = next_event(cx, &ev);
	if (err)
		return err;
	err = build(cx, &ev, 0, root);
	yaml_event_delete(&ev);
	if (err)
		return err;
	/* The document end, then the stream end. */
	err = next_event(cx, &ev);
	if (err)
		return err;
	yaml_event_delete(&ev);
	err = next_event(cx, &ev);
	if (err)
		return err;
	if (ev.type != YAML_STREAM_END_EVENT)
		err = fail_at(cx, &ev.start_mark,
			      "a second YAML document: the file must hold exactly one");
	yaml_event_delete(&ev);
	return err;
}

struct field {
	const char *name;
	const struct node *key;
	const struct node *val; /* NULL: absent or null */
};

/* "where.name", or "name" at the top level, where is "". */
static const char *join(char *buf, size_t size, const char *where, const char *name)
{
	snprintf(buf, size, "%s%s%s", where, *where ? "." : "", name);
	return buf;
}

/* "where: " for messages about a mapping itself, nothing at the top level. */
static const char *prefix(char *buf, size_t size, const char *where)
{
	snprintf(buf, size, "%s%s", where, *where ? ": " : "");
	return buf;
}

/* Each key of map into the field of that name: unknown and repeated keys are errors. */
static int read_map(struct ctx *cx, const struct node *map, const char *where, struct field *f,
		    size_t nf)
{
	char names[256], pre[64], v[128];
	size_t i, j, o;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		const struct node *key = map->kids[i], *val = map->kids[i + 1];

		if (key->type != YAML_SCALAR_NODE)
			return fail(cx, key, "%sexpected a key name, got %s",
				    prefix(pre, sizeof(pre), where), show(key, v, sizeof(v)));
		for (j = 0; j < nf; j++)
			if (strlen(f[j].name) == key->len && !strcmp(f[j].name, key->str))
				break;
		if (j == nf) {
			for (j = 0, o = 0; j < nf && o < sizeof(names); j++)
				o += snprintf(names + o, sizeof(names) - o, "%s%s", j ? ", " : "",
					      f[j].name);
			return fail(cx, key, "%sunknown key %s (expected %s)",
				    prefix(pre, sizeof(pre), where),
				    quote(key->str, key->len, v, sizeof(v)), names);
		}
		if (f[j].key)
			return fail(cx, key, "%sduplicate key '%s' (first at line %zu)",
				    prefix(pre, sizeof(pre), where), f[j].name,
				    f[j].key->mark.line + 1);
		f[j].key = key;
		f[j].val = is_null(val) ? NULL : val;
	}
	return 0;
}

/* A mapping, or null for "all defaults"; *map NULL then. */
static int get_map(struct ctx *cx, const struct field *f, const char *where, const char *what,
		   const struct node **map)
{
	char path[64], v[128];

	*map = f->val;
	if (!f->val || f->val->type == YAML_MAPPING_NODE)
		return 0;
	return fail(cx, f->val, "%s: expected a mapping (%s), got %s",
		    join(path, sizeof(path), where, f->name), what, show(f->val, v, sizeof(v)));
}

static int get_str(struct ctx *cx, const struct field *f, const char *where, char **out)
{
	char path[64], v[128];

	*out = NULL;
	if (!f->val)
		return 0;
	join(path, sizeof(path), where, f->name);
	if (f->val->type != YAML_SCALAR_NODE)
		return fail(cx, f->val, "%s: expected a string, got %s", path,
			    show(f->val, v, sizeof(v)));
	if (!f->val->len)
		return fail(cx, f->val, "%s: must not be empty", path);
	if (strlen(f->val->str) != f->val->len)
		return fail(cx, f->val, "%s: contains a NUL byte", path);
	*out = strdup(f->val->str);
	return *out ? 0 : oom(cx);
}

/* Plain decimal digits only: "010" is 8 to YAML 1.1 and 10 to a reader, so it is neither. */
static int get_u32(struct ctx *cx, const struct field *f, const char *where, __u32 min, __u32 max,
		   __u32 *out)
{
	const struct node *n = f->val;
	char path[64], v[128];
	unsigned long long x;
	size_t i;

	if (!n)
		return 0;
	if (n->type == YAML_SCALAR_NODE && n->plain && n->len && n->len <= 10 &&
	    (n->str[0] != '0' || n->len == 1)) {
		for (i = 0; i < n->len && isdigit((unsigned char)n->str[i]); i++)
			;
		x = strtoull(n->str, NULL, 10);
		if (i == n->len && x >= min && x <= max) {
			*out = x;
			return 0;
		}
	}
	return fail(cx, n, "%s: expected an integer from %u to %u, got %s",
		    join(path, sizeof(path), where, f->name), min, max, show(n, v, sizeof(v)));
}

/* NUMBERh NUMBERm NUMBERs, each optional but one, in that order; 9 digits keep it in range. */
static int parse_duration(const char *s, __u64 *ms)
{
	static const struct {
		char unit;
		__u64 ms;
	} units[] = { { 'h', 3600000 }, { 'm', 60000 }, { 's', 1000 } };
	size_t u = 0, digits;
	__u64 total = 0, x;

	if (!*s)
		return -EINVAL;
	while (*s) {
		for (digits = 0, x = 0; isdigit((unsigned char)s[digits]); digits++)
			x = x * 10 + (s[digits] - '0');
		if (!digits || digits > 9)
			return -EINVAL;
		s += digits;
		while (u < ARRAY_SIZE(units) && units[u].unit != *s)
			u++;
		if (u == ARRAY_SIZE(units))
			return -EINVAL;
		total += x * units[u++].ms;
		s++;
	}
	*ms = total;
	return 0;
}

static int get_duration(struct ctx *cx, const struct field *f, const char *where, __u64 *ms)
{
	const struct node *n = f->val;
	char path[64], v[128];

	if (!n)
		return 0;
	join(path, sizeof(path), where, f->name);
	if (n->type != YAML_SCALAR_NODE || strlen(n->str) != n->len || parse_duration(n->str, ms))
		return fail(cx, n, "%s: expected a duration such as 30s, 5m, 1h or 1m30s, got %s",
			    path, show(n, v, sizeof(v)));
	if (!*ms)
		return fail(cx, n, "%s: must be more than 0s", path);
	return 0;
}

/*
 * What makes fnmatch read g otherwise than meant (it reads a malformed glob literally, or never
 * matches it), or NULL; *at is the 0-based offset of the problem.
 */
static const char *glob_problem(const char *g, size_t *at)
{
	static const char *const classes[] = {
		"alnum", "alpha", "blank", "cntrl", "digit", "graph",
		"lower", "print", "punct", "space", "upper", "xdigit"
	};
	size_t i = 0, open, k, n;
	const char *end;

	while (g[i]) {
		if (g[i] == '\\') {
			*at = i;
			if (!g[i + 1])
				return "a trailing backslash quotes nothing";
			i += 2;
			continue;
		}
		if (g[i] != '[') {
			i++;
			continue;
		}
		open = i++;
		if (g[i] == '!' || g[i] == '^')
			i++;
		/* A ] first in the set is a member, not the end. */
		if (g[i] == ']')
			i++;
		while (g[i] && g[i] != ']') {
			*at = i;
			if (g[i] == '[' && (g[i + 1] == '.' || g[i + 1] == '='))
				return "[. and [= are not supported";
			if (g[i] == '[' && g[i + 1] == ':') {
				end = strstr(g + i + 2, ":]");
				n = end ? (size_t)(end - (g + i + 2)) : 0;
				for (k = 0; end && k < ARRAY_SIZE(classes); k++)
					if (strlen(classes[k]) == n &&
					    !strncmp(classes[k], g + i + 2, n))
						break;
				if (!end || k == ARRAY_SIZE(classes))
					return "unknown character class (such as [:digit:])";
				i = end + 2 - g;
				continue;
			}
			if (g[i] == '\\' && g[i + 1]) {
				i += 2;
				continue;
			}
			if (g[i + 1] == '-' && g[i + 2] && g[i + 2] != ']' && g[i + 2] != '\\' &&
			    g[i + 2] != '[' && (unsigned char)g[i + 2] < (unsigned char)g[i])
				return "a reversed range matches nothing";
			i++;
		}
		if (!g[i]) {
			*at = open;
			return "'[' is never closed by ']'";
		}
		i++;
	}
	return NULL;
}

static int get_glob(struct ctx *cx, const struct field *f, const char *where, char **out)
{
	const char *why;
	char path[64];
	size_t at = 0;
	int err;

	err = get_str(cx, f, where, out);
	if (err || !*out)
		return err;
	why = glob_problem(*out, &at);
	if (why)
		return fail(cx, f->val, "%s: %s (character %zu of the glob)",
			    join(path, sizeof(path), where, f->name), why, at + 1);
	return 0;
}

/* Absolute, as every path here is read by a daemon whose working directory is no one's business. */
static int get_abs_path(struct ctx *cx, const struct field *f, const char *where, char **out)
{
	char path[64], v[128];
	int err;

	err = get_str(cx, f, where, out);
	if (err || !*out || **out == '/')
		return err;
	return fail(cx, f->val, "%s: expected an absolute path, got %s",
		    join(path, sizeof(path), where, f->name), show(f->val, v, sizeof(v)));
}

/* The shape fsp_http_parse_addr takes; the address itself is resolved when it is bound. */
static int get_listen(struct ctx *cx, const struct field *f, const char *where, char **out)
{
	const char *colon, *p;
	char path[64], v[128];
	unsigned long port = 0;
	int err;

	err = get_str(cx, f, where, out);
	if (err || !*out)
		return err;
	colon = strrchr(*out, ':');
	if (colon && colon[1] && strlen(colon + 1) <= 5 && (**out != '[' || colon[-1] == ']')) {
		for (p = colon + 1; isdigit((unsigned char)*p); p++)
			port = port * 10 + (*p - '0');
		if (!*p && port >= 1 && port <= 65535)
			return 0;
	}
	return fail(cx, f->val, "%s: expected HOST:PORT, [IPV6]:PORT or :PORT, got %s",
		    join(path, sizeof(path), where, f->name), show(f->val, v, sizeof(v)));
}

/* The export order, fixed whatever the file's order (config.h). */
static const struct {
	const char *name;
	unsigned int bit;
} label_names[] = {
	{ "k8s_namespace_name", FSP_LABEL_NAMESPACE }, { "k8s_pod_name", FSP_LABEL_POD },
	{ "k8s_container_name", FSP_LABEL_CONTAINER }, { "k8s_pod_uid", FSP_LABEL_POD_UID },
	{ "container_id", FSP_LABEL_CONTAINER_ID },
};

static int get_labels(struct ctx *cx, const struct field *f, unsigned int *labels)
{
	const struct node *seq = f->val;
	char v[128];
	size_t i, j;

	if (!seq)
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(cx, seq,
			    "labels: expected a list of label names such as "
			    "[k8s_namespace_name, k8s_pod_name], got %s",
			    show(seq, v, sizeof(v)));
	*labels = 0;
	for (i = 0; i < seq->nkids; i++) {
		const struct node *n = seq->kids[i];

		for (j = 0; n->type == YAML_SCALAR_NODE && j < ARRAY_SIZE(label_names); j++)
			if (strlen(label_names[j].name) == n->len &&
			    !strcmp(n->str, label_names[j].name))
				break;
		if (n->type != YAML_SCALAR_NODE || j == ARRAY_SIZE(label_names))
			return fail(cx, n,
				    "labels[%zu]: unknown label %s (expected k8s_namespace_name, "
				    "k8s_pod_name, k8s_container_name, k8s_pod_uid or "
				    "container_id)",
				    i, show(n, v, sizeof(v)));
		if (*labels & label_names[j].bit)
			return fail(cx, n, "labels[%zu]: %s is listed twice", i,
				    label_names[j].name);
		*labels |= label_names[j].bit;
	}
	return 0;
}

static bool valid_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

enum { T_NAME, T_EXE, T_CMDLINE, T_LOOKUP, T_MISS, T_HIT, T_HIT_WHEN, T_KEY, T_MAX_SYMBOLS, T_N };

/* The hit/miss rule of the command line (main.c): the first key that breaks it, or the target. */
static int check_how(struct ctx *cx, const struct node *item, const struct field *f,
		     const struct fsp_config_target *t, const char *where)
{
	if (t->hit && t->lookup)
		return fail(cx, f[T_HIT].key,
			    "%s.hit: hit and lookup exclude each other" HOW_TO_COUNT, where);
	if (t->hit && t->hit_when)
		return fail(cx, f[T_HIT_WHEN].key,
			    "%s.hit_when: goes with lookup, not hit" HOW_TO_COUNT, where);
	if (t->hit && !t->miss)
		return fail(cx, item, "%s: hit needs miss" HOW_TO_COUNT, where);
	if (t->lookup && t->miss && t->hit_when)
		return fail(cx, f[T_HIT_WHEN].key,
			    "%s.hit_when: give miss or hit_when, not both" HOW_TO_COUNT, where);
	if (t->lookup && !t->miss && !t->hit_when)
		return fail(cx, item, "%s: lookup needs miss or hit_when" HOW_TO_COUNT, where);
	if (!t->lookup && !t->hit)
		return fail(cx, item, "%s: missing lookup or hit" HOW_TO_COUNT, where);
	return 0;
}

static int read_target(struct ctx *cx, const struct node *item, size_t idx,
		       struct fsp_config_file *c)
{
	struct field f[T_N] = {
		[T_NAME] = { .name = "name" },
		[T_EXE] = { .name = "exe" },
		[T_CMDLINE] = { .name = "cmdline" },
		[T_LOOKUP] = { .name = "lookup" },
		[T_MISS] = { .name = "miss" },
		[T_HIT] = { .name = "hit" },
		[T_HIT_WHEN] = { .name = "hit_when" },
		[T_KEY] = { .name = "key" },
		[T_MAX_SYMBOLS] = { .name = "max_symbols" },
	};
	struct fsp_config_target *t = &c->targets[idx];
	char where[32], v[128];
	size_t i;
	int err;

	snprintf(where, sizeof(where), "targets[%zu]", idx);
	t->line = item->mark.line + 1;
	t->max_symbols = DEFAULT_MAX_SYMBOLS;
	if (item->type != YAML_MAPPING_NODE)
		return fail(cx, item, "%s: expected a mapping (name, exe, lookup...), got %s",
			    where, show(item, v, sizeof(v)));
	err = read_map(cx, item, where, f, T_N);
	if (!err)
		err = get_str(cx, &f[T_NAME], where, &t->name);
	if (!err && t->name && !valid_name(t->name))
		err = fail(
			cx, f[T_NAME].val,
			"%s.name: expected letters, digits, _ and -, starting with a letter or _, "
			"got %s",
			where, show(f[T_NAME].val, v, sizeof(v)));
	for (i = 0; !err && t->name && i < idx; i++)
		if (!strcmp(c->targets[i].name, t->name))
			err = fail(cx, f[T_NAME].val,
				   "%s.name: '%s' is also the name of the target at line %d", where,
				   t->name, c->targets[i].line);
	if (!err)
		err = get_glob(cx, &f[T_EXE], where, &t->exe);
	/* The path the glob sees is absolute: anything else never matches. */
	if (!err && t->exe && !strchr("/*?[", t->exe[0]))
		err = fail(cx, f[T_EXE].val,
			   "%s.exe: never matches an executable's path, which is absolute: start "
			   "with /, *, ? or [",
			   where);
	if (!err)
		err = get_glob(cx, &f[T_CMDLINE], where, &t->cmdline);
	if (!err)
		err = get_str(cx, &f[T_LOOKUP], where, &t->lookup);
	if (!err)
		err = get_str(cx, &f[T_MISS], where, &t->miss);
	if (!err)
		err = get_str(cx, &f[T_HIT], where, &t->hit);
	if (!err)
		err = get_str(cx, &f[T_HIT_WHEN], where, &t->hit_when);
	if (!err)
		err = get_str(cx, &f[T_KEY], where, &t->key);
	if (!err)
		err = get_u32(cx, &f[T_MAX_SYMBOLS], where, 1, MAX_MAX_SYMBOLS, &t->max_symbols);
	if (err)
		return err;
	if (!t->name)
		return fail(cx, item, "%s: missing name (the target label's value)", where);
	if (!t->exe)
		return fail(cx, item, "%s: missing exe (a glob on the executable's path)", where);
	return check_how(cx, item, f, t, where);
}

static int read_targets(struct ctx *cx, const struct node *root, const struct field *f,
			struct fsp_config_file *c)
{
	const struct node *seq = f->val;
	char v[128];
	size_t i;
	int err;

	if (!seq)
		return fail(cx, f->key ? f->key : root, "missing targets: a list of at least one");
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(cx, seq, "targets: expected a list of targets, got %s",
			    show(seq, v, sizeof(v)));
	if (!seq->nkids)
		return fail(cx, seq, "targets: expected at least one target");
	c->targets = calloc(seq->nkids, sizeof(*c->targets));
	if (!c->targets)
		return oom(cx);
	c->ntargets = seq->nkids;
	for (i = 0; i < seq->nkids; i++) {
		err = read_target(cx, seq->kids[i], i, c);
		if (err)
			return err;
	}
	return 0;
}

enum { R_WEB, R_TARGETS, R_LABELS, R_METADATA, R_SERIES_TTL, R_MAX_SERIES, R_N };

static int read_root(struct ctx *cx, const struct node *root, struct fsp_config_file *c)
{
	struct field f[R_N] = {
		[R_WEB] = { .name = "web" },
		[R_TARGETS] = { .name = "targets" },
		[R_LABELS] = { .name = "labels" },
		[R_METADATA] = { .name = "metadata" },
		[R_SERIES_TTL] = { .name = "series_ttl" },
		[R_MAX_SERIES] = { .name = "max_series" },
	};
	struct field web[] = { { .name = "listen_address" } };
	struct field meta[] = { { .name = "proc" }, { .name = "containers_log_dir" } };
	const struct node *map;
	char v[128];
	int err;

	if (root->type != YAML_MAPPING_NODE)
		return fail(cx, root, "expected a mapping (web, targets, labels...), got %s",
			    show(root, v, sizeof(v)));
	err = read_map(cx, root, "", f, R_N);
	if (!err)
		err = get_map(cx, &f[R_WEB], "", "listen_address", &map);
	if (!err && map)
		err = read_map(cx, map, "web", web, ARRAY_SIZE(web));
	if (!err)
		err = get_listen(cx, &web[0], "web", &c->listen_address);
	if (!err)
		err = read_targets(cx, root, &f[R_TARGETS], c);
	if (!err)
		err = get_labels(cx, &f[R_LABELS], &c->labels);
	if (!err)
		err = get_map(cx, &f[R_METADATA], "", "proc, containers_log_dir", &map);
	if (!err && map)
		err = read_map(cx, map, "metadata", meta, ARRAY_SIZE(meta));
	if (!err)
		err = get_abs_path(cx, &meta[0], "metadata", &c->proc_root);
	if (!err)
		err = get_abs_path(cx, &meta[1], "metadata", &c->containers_log_dir);
	if (!err)
		err = get_duration(cx, &f[R_SERIES_TTL], "", &c->series_ttl_ms);
	if (!err)
		err = get_u32(cx, &f[R_MAX_SERIES], "", 1, MAX_MAX_SERIES, &c->max_series);
	if (err)
		return err;
	if (!c->proc_root)
		c->proc_root = strdup("/proc");
	if (!c->containers_log_dir)
		c->containers_log_dir = strdup("/var/log/containers");
	return c->proc_root && c->containers_log_dir ? 0 : oom(cx);
}

/* Any byte that would break the one line (a file name with a newline) becomes '?'. */
static void one_line(char *s, size_t size)
{
	for (; size && *s; s++, size--)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int fsp_config_parse(const char *name, const char *text, size_t len, struct fsp_config_file *c,
		     char *err, size_t errlen)
{
	struct ctx cx = {
		.name = name, .text = text, .len = len, .err = err, .errlen = err ? errlen : 0
	};
	struct node *root = NULL;
	int ret;

	memset(c, 0, sizeof(*c));
	if (cx.errlen)
		err[0] = '\0';
	c->labels = FSP_CONFIG_DEFAULT_LABELS;
	c->series_ttl_ms = DEFAULT_TTL_MS;
	c->max_series = DEFAULT_MAX_SERIES;
	c->path = strdup(name);
	if (!c->path)
		return oom(&cx);
	if (!yaml_parser_initialize(&cx.parser)) {
		free(c->path);
		c->path = NULL;
		return oom(&cx);
	}
	yaml_parser_set_input_string(&cx.parser, (const unsigned char *)text, len);
	ret = read_tree(&cx, &root);
	yaml_parser_delete(&cx.parser);
	if (!ret)
		ret = read_root(&cx, root, c);
	free_node(root);
	if (ret) {
		fsp_config_free(c);
		one_line(cx.err, cx.errlen);
	}
	return ret;
}

/* The whole file; a configuration past MAX_FILE_SIZE is some other file. */
static int read_all(const char *path, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *b;
	ssize_t got;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || n == cap) {
			cap = buf ? cap * 2 : cap;
			b = realloc(buf, cap);
			if (!b) {
				err = -ENOMEM;
				break;
			}
			buf = b;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (!got)
			break;
		n += got;
		if (n > MAX_FILE_SIZE) {
			err = -EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*text = buf;
	*len = n;
	return 0;
}

int fsp_config_load(const char *path, struct fsp_config_file *c, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = read_all(path, &text, &len);
	if (ret) {
		if (err && errlen) {
			snprintf(err, errlen, "%s: %s", path,
				 ret == -EFBIG ? "larger than 1 MiB, not a configuration file"
					       : strerror(-ret));
			one_line(err, errlen);
		}
		return ret;
	}
	ret = fsp_config_parse(path, text, len, c, err, errlen);
	free(text);
	return ret;
}

void fsp_config_free(struct fsp_config_file *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ntargets; i++) {
		struct fsp_config_target *t = &c->targets[i];

		free(t->name);
		free(t->exe);
		free(t->cmdline);
		free(t->lookup);
		free(t->miss);
		free(t->hit);
		free(t->hit_when);
		free(t->key);
	}
	free(c->targets);
	free(c->listen_address);
	free(c->proc_root);
	free(c->containers_log_dir);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

bool fsp_config_matches(const struct fsp_config_target *t, const char *exe, const char *cmdline)
{
	if (!t->exe || !exe || fnmatch(t->exe, exe, 0))
		return false;
	return !t->cmdline || (cmdline && !fnmatch(t->cmdline, cmdline, 0));
}
