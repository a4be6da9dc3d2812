// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --web.config.file (the exporter-toolkit format): fsp_webconfig_parse either refuses with a
 * message and a position inside the text, or gives a configuration that keeps its promises: TLS
 * with both files named, users with non-empty names and hashes. It reads no file. Leaks and freed
 * memory are ASan's to find.
 */
#include "fuzz.h"
#include "webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsp_webconfig c;
	struct fsp_webconfig_error err;
	size_t i;
	int ret;

	memset(&c, 0, sizeof(c));
	memset(&err, 0, sizeof(err));
	ret = fsp_webconfig_parse((const char *)data, size, "/etc/fsprobe", &c, &err);
	if (ret) {
		FUZZ_CHECK(memchr(err.msg, 0, sizeof(err.msg)) && err.msg[0], "no message");
		for (i = 0; err.msg[i]; i++)
			FUZZ_CHECK(err.msg[i] != '\n', "a message of two lines: '%s'", err.msg);
		/* YAML breaks lines at \n, \r and more: a position is at most one line a byte. */
		FUZZ_CHECK(err.line >= 0 && (size_t)err.line <= size + 1, "line %d in %zu bytes",
			   err.line, size);
	} else if (c.tls) {
		FUZZ_CHECK(c.cert_file && c.key_file, "TLS without cert_file and key_file");
	}
	fsp_webconfig_free(&c);
	return 0;
}
