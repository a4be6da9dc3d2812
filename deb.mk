# The files a package installs besides the binary: the man page fsprobe(8). Included by the
# top-level Makefile, which defines VERSION, OUTPUT, PURE_OBJS, SKEL_OBJS, Q and msg.
#
# The man page shows VERSION, the same one -DFSP_VERSION compiles into fsprobe.

MANPAGE  := $(OUTPUT)/fsprobe.8
# The man page's date: the last commit's, so a rebuild is identical.
DEB_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)

.PHONY: FORCE
FORCE:

# FSP_VERSION is compiled in: recompile when VERSION changes (make VERSION=...), so that
# --version and the man page always agree.
$(OUTPUT)/.version: FORCE | $(OUTPUT)
	$(Q)echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(PURE_OBJS) $(SKEL_OBJS) $(OUTPUT)/user/main.o: $(OUTPUT)/.version

# scdoc: a man-page-only format, readable as text, and a small C tool in Debian (pandoc's
# man writer would bring a Haskell toolchain's worth of packages for the same roff).
$(MANPAGE): docs/fsprobe.8.scd $(OUTPUT)/.version
	$(call msg,SCDOC,$@)
	$(Q)sed 's/@VERSION@/$(VERSION)/g' $< | SOURCE_DATE_EPOCH=$(DEB_EPOCH) scdoc > $@
