// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "elf_file.h"

int fsp_elf_open(struct fsp_elf *e, const char *path)
{
	int err;

	e->elf = NULL;
	e->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		fsp_elf_close(e);
		return err;
	}
	return 0;
}

void fsp_elf_close(struct fsp_elf *e)
{
	if (!e)
		return;
	elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	e->elf = NULL;
	e->fd = -1;
}

static int wanted(enum fsp_elf_syms which, const GElf_Shdr *sh, const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	if (sym->st_shndx == SHN_UNDEF)
		return 0;
	if (which == FSP_ELF_DYNAMIC)
		return sh->sh_type == SHT_DYNSYM;
	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_value;
}

int fsp_elf_each_sym(const struct fsp_elf *e, enum fsp_elf_syms which, fsp_elf_sym_fn fn, void *ctx)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			const char *name;
			GElf_Sym sym;
			int ret;

			if (!gelf_getsym(data, i, &sym) || !wanted(which, &sh, &sym))
				continue;
			name = elf_strptr(e->elf, sh.sh_link, sym.st_name);
			if (!name || (!*name && which == FSP_ELF_FUNCS))
				continue;
			ret = fn(name, &sym, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int fsp_elf_offset(const struct fsp_elf *e, __u64 vaddr, __u64 *off)
{
	size_t i, n;

	if (elf_getphdrnum(e->elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

int fsp_elf_build_id(const struct fsp_elf *e, char *out, size_t len)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off, i;
		Elf_Data *data;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const unsigned char *d = (const unsigned char *)data->d_buf + desc_off;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4) ||
			    nh.n_descsz * 2 + 1 > len)
				continue;
			for (i = 0; i < nh.n_descsz; i++)
				sprintf(out + 2 * i, "%02x", d[i]);
			return 0;
		}
	}
	return -ENOENT;
}

/* Read from the header itself: in 32-bit code 41 is inc, and other machines differ. */
int fsp_elf_is_x86_64(int fd)
{
	Elf64_Ehdr eh;
	ssize_t n = pread(fd, &eh, sizeof(eh), 0);

	if (n < 0)
		return -errno;
	return n == sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	       eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_ident[EI_DATA] == ELFDATA2LSB &&
	       eh.e_machine == EM_X86_64;
}

const char *fsp_elf_clone_suffix(const char *name)
{
	static const char *const suffixes[] = { ".isra",     ".constprop",  ".part", ".cold",
						".lto_priv", ".localalias", ".llvm." };
	const char *dot = strchr(name, '.');
	size_t i;

	for (; dot; dot = strchr(dot + 1, '.'))
		for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
			if (!strncmp(dot, suffixes[i], strlen(suffixes[i])))
				return dot;
	return NULL;
}
