# make deb: the Debian package $(OUTPUT)/fsprobe_$(VERSION)_$(DEB_ARCH).deb, built with
# debhelper: dh_shlibdeps computes Depends, dh_installsystemd writes the unit's maintainer
# scripts, dh_installdeb marks /etc/default/fsprobe a conffile, as in every Debian package.
# Included by the top-level Makefile, which defines VERSION, OUTPUT, PURE_OBJS, SKEL_OBJS, Q
# and msg.
#
# The package's version is VERSION, the same one -DFSP_VERSION compiles into fsprobe and the
# man page shows. Everything is built under $(OUTPUT): the binary, man page and completion
# are installed into debian/tmp of a copy of debian/ in $(DEB_TREE), and dpkg-buildpackage
# runs there, writing the .deb, .buildinfo and .changes to $(DEB_DIR), never to the source
# tree or its parent. --no-pre-clean: debian/rules clean would remove debian/tmp, the install
# it packages.

DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_NAME := fsprobe_$(VERSION)_$(DEB_ARCH).deb
DEB_DIR  := $(OUTPUT)/deb
DEB_TREE := $(DEB_DIR)/fsprobe-$(VERSION)
DEB_ROOT := $(DEB_TREE)/debian/tmp
MANPAGE  := $(OUTPUT)/fsprobe.8
# Dates in the man page and the changelog: the last commit's, so a rebuild is identical.
DEB_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)
DEB_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null)

.PHONY: deb FORCE
FORCE:

deb: $(OUTPUT)/$(DEB_NAME)

# FSP_VERSION is compiled in: recompile when VERSION changes (make deb VERSION=...), so that
# --version, the man page and the package always agree.
$(OUTPUT)/.version: FORCE | $(OUTPUT)
	$(Q)echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(PURE_OBJS) $(SKEL_OBJS) $(OUTPUT)/user/main.o: $(OUTPUT)/.version

# scdoc: a man-page-only format, readable as text, and a small C tool in Debian (pandoc's
# man writer would bring a Haskell toolchain's worth of packages for the same roff).
$(MANPAGE): docs/fsprobe.8.scd $(OUTPUT)/.version
	$(call msg,SCDOC,$@)
	$(Q)sed 's/@VERSION@/$(VERSION)/g' $< | SOURCE_DATE_EPOCH=$(DEB_EPOCH) scdoc > $@

DEB_INPUTS := $(OUTPUT)/fsprobe $(MANPAGE) completions/fsprobe.bash \
	docs/deployment/fsprobe.service docs/deployment/fsprobe.env \
	$(wildcard alerts/*.yml dashboards/*.json docs/runbooks/*.md debian/* debian/source/*)

$(OUTPUT)/$(DEB_NAME): $(DEB_INPUTS) deb.mk
	$(call msg,DEB,$@)
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_TREE) && cp -R debian $(DEB_TREE)/
	$(Q)install -D -m 0755 $(OUTPUT)/fsprobe $(DEB_ROOT)/usr/sbin/fsprobe
	$(Q)install -D -m 0644 $(MANPAGE) $(DEB_ROOT)/usr/share/man/man8/fsprobe.8
	$(Q)install -D -m 0644 completions/fsprobe.bash \
		$(DEB_ROOT)/usr/share/bash-completion/completions/fsprobe
	$(Q)install -D -m 0644 docs/deployment/fsprobe.service \
		$(DEB_ROOT)/lib/systemd/system/fsprobe.service
	$(Q)install -D -m 0644 docs/deployment/fsprobe.env $(DEB_ROOT)/etc/default/fsprobe
	$(Q)install -D -m 0644 -t $(DEB_ROOT)/usr/share/fsprobe/alerts alerts/*.yml
	$(Q)install -D -m 0644 -t $(DEB_ROOT)/usr/share/fsprobe/dashboards dashboards/*.json
	$(Q)install -D -m 0644 -t $(DEB_ROOT)/usr/share/fsprobe/runbooks docs/runbooks/*.md
	$(Q){ printf 'fsprobe (%s) unstable; urgency=medium\n\n' '$(VERSION)'; \
	  printf '  * fsprobe %s, packaged by make deb%s.\n\n' '$(VERSION)' \
		'$(if $(DEB_COMMIT), from commit $(DEB_COMMIT))'; \
	  printf ' -- %s  %s\n' "$$(sed -n 's/^Maintainer: //p' debian/control)" \
		"$$(LC_ALL=C date -u -R -d @$(DEB_EPOCH))"; } > $(DEB_TREE)/debian/changelog
	$(Q)cd $(DEB_TREE) && SOURCE_DATE_EPOCH=$(DEB_EPOCH) dpkg-buildpackage -b -us -uc --no-pre-clean \
		$(if $(filter 1,$(V)),,>../dpkg-buildpackage.log 2>&1) || \
		{ cat ../dpkg-buildpackage.log 2>/dev/null; exit 1; }
	$(Q)cp $(DEB_DIR)/$(DEB_NAME) $@
