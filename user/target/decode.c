// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "decode.h" /* first: its architecture check comes before any other header */
#include <errno.h>
#include <string.h>

int fsp_decode_open(struct fsp_decoder *d)
{
	memset(d, 0, sizeof(*d));
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &d->cs) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
	d->insn = cs_malloc(d->cs);
	if (!d->insn) {
		cs_close(&d->cs);
		d->cs = 0;
		return -ENOMEM;
	}
	return 0;
}

void fsp_decode_close(struct fsp_decoder *d)
{
	if (!d || !d->insn)
		return;
	cs_free(d->insn, 1);
	cs_close(&d->cs);
	d->insn = NULL;
}
