// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Keys as label values. The input is two keys: its first byte is the first key's length (mod
 * 65), then that many bytes, then the second key (up to 64 bytes); each is NUL-padded to
 * FSP_KEY_MAX as the BPF side leaves it. For string keys (FSP_KEY_CSTR and FSP_KEY_BYTES),
 * fsp_keytext_put must give:
 * - valid UTF-8 with no NUL byte, never a reserved series' name;
 * - the same text for the same key, different texts for different keys (checked on the pair,
 *   and for every key by decoding the text back to the key: \\ and \xHH are the only escapes);
 * and fsp_render_metrics, on a one-symbol snapshot, a symbol label that the text format's own
 * unescaping (\\, \", \n) turns back into exactly that text, on one line. Integer keys print
 * their first 8 bytes, so two keys print alike only when those are equal.
 */
#include "fuzz.h"
#include "keytext.h"
#include "render.h"

struct text {
	char *s;
	size_t n;
};

static struct text put(__u32 type, const struct fsp_key *k)
{
	struct fsp_buf b = {};

	FUZZ_CHECK(!fsp_keytext_put(type, NULL, k, &b), "fsp_keytext_put failed");
	return (struct text){ b.data ? b.data : strdup(""), b.len };
}

static int same(const struct text *a, const struct text *b)
{
	return a->n == b->n && !memcmp(a->s, b->s, a->n);
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The key back from its text, NUL-padded; 0 when the text is not one keytext could write. */
static int decode(const struct text *t, struct fsp_key *out)
{
	size_t i, o = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->n; i++) {
		if (o == FSP_KEY_MAX)
			return 0;
		if (t->s[i] != '\\') {
			out->data[o++] = t->s[i];
			continue;
		}
		if (i + 1 < t->n && t->s[i + 1] == '\\') {
			out->data[o++] = '\\';
			i++;
		} else if (i + 3 < t->n && t->s[i + 1] == 'x' && hex(t->s[i + 2]) >= 0 &&
			   hex(t->s[i + 3]) >= 0) {
			out->data[o++] = (char)(hex(t->s[i + 2]) << 4 | hex(t->s[i + 3]));
			i += 3;
		} else {
			return 0;
		}
	}
	return 1;
}

/* The symbol label of featurestore_hits_total, unescaped as Prometheus reads it. */
static struct text label(__u32 type, const struct fsp_key *k)
{
	static const char head[] = "\nfeaturestore_hits_total{symbol=\"";
	struct fsp_symbol sym = { .key = *k, .hits = 1 };
	struct fsp_snapshot snap = { .version = "fuzz", .key_type = type, .max_symbols = 1,
				     .symbols = &sym, .nsymbols = 1 };
	struct fsp_buf out = {};
	struct text t = { .s = malloc(4 * FSP_KEY_MAX + 1) };
	const char *p;

	FUZZ_CHECK(t.s && !fsp_render_metrics(&snap, &out), "fsp_render_metrics failed");
	FUZZ_CHECK(fuzz_valid_utf8((const unsigned char *)out.data, out.len),
		   "the exposition is not UTF-8");
	p = strstr(out.data, head);
	FUZZ_CHECK(p, "no featurestore_hits_total series");
	for (p += strlen(head); *p != '"'; p++) {
		FUZZ_CHECK(*p && *p != '\n' && t.n < 4 * FSP_KEY_MAX, "label runs past its line");
		if (*p == '\\') {
			p++;
			FUZZ_CHECK(*p == '\\' || *p == '"' || *p == 'n', "escape \\%c in a label", *p);
			t.s[t.n++] = *p == 'n' ? '\n' : *p;
		} else {
			t.s[t.n++] = *p;
		}
	}
	FUZZ_CHECK(!strncmp(p, "\"} 1\n", 5), "the sample does not follow the label");
	fsp_buf_free(&out);
	return t;
}

static void check_strings(__u32 type, const struct fsp_key *k1, const struct fsp_key *k2)
{
	struct text t1 = put(type, k1), t2 = put(type, k2), again = put(type, k1), l1, l2;
	int equal = !memcmp(k1, k2, sizeof(*k1));
	struct fsp_key back;

	FUZZ_CHECK(fuzz_valid_utf8((unsigned char *)t1.s, t1.n) && !memchr(t1.s, 0, t1.n),
		   "'%.*s' is not UTF-8 without NUL", (int)t1.n, t1.s);
	FUZZ_CHECK(strcmp(t1.s, FSP_OVERFLOW_LABEL) && strcmp(t1.s, FSP_UNREADABLE_LABEL),
		   "a key renders as the reserved '%s'", t1.s);
	FUZZ_CHECK(same(&t1, &again), "one key, two texts: '%s' and '%s'", t1.s, again.s);
	FUZZ_CHECK(equal == same(&t1, &t2), "keys %s, texts '%s' and '%s'",
		   equal ? "equal" : "different", t1.s, t2.s);
	FUZZ_CHECK(decode(&t1, &back) && !memcmp(&back, k1, sizeof(back)),
		   "'%s' does not decode to its key", t1.s);
	l1 = label(type, k1);
	l2 = label(type, k2);
	FUZZ_CHECK(same(&l1, &t1), "label '%.*s' for text '%s'", (int)l1.n, l1.s, t1.s);
	FUZZ_CHECK(equal == same(&l1, &l2), "keys %s, labels alike: %d",
		   equal ? "equal" : "different", same(&l1, &l2));
	free(t1.s), free(t2.s), free(again.s), free(l1.s), free(l2.s);
}

static void check_ints(__u32 type, const struct fsp_key *k1, const struct fsp_key *k2)
{
	struct text t1 = put(type, k1), t2 = put(type, k2);

	FUZZ_CHECK((memcmp(k1->data, k2->data, 8) == 0) == same(&t1, &t2),
		   "integer keys print '%s' and '%s'", t1.s, t2.s);
	free(t1.s), free(t2.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsp_key k1 = {}, k2 = {};
	size_t n1, n2;

	if (!size)
		return 0;
	n1 = data[0] % (FSP_KEY_MAX + 1);
	n1 = n1 < size - 1 ? n1 : size - 1;
	n2 = size - 1 - n1 < FSP_KEY_MAX ? size - 1 - n1 : FSP_KEY_MAX;
	memcpy(k1.data, data + 1, n1);
	memcpy(k2.data, data + 1 + n1, n2);
	check_strings(FSP_KEY_CSTR, &k1, &k2);
	check_strings(FSP_KEY_BYTES, &k1, &k2);
	check_ints(FSP_KEY_U64, &k1, &k2);
	check_ints(FSP_KEY_I32, &k1, &k2);
	return 0;
}
