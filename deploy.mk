# Container image and Kubernetes deployment (included from the Makefile).
#
#   make image        build the fsprobe image (podman, FROM scratch): fsprobe:$(VERSION)
#   make image-root   stage its filesystem in $(IMAGE_ROOT) without building the image
#
# No base image can be pulled, and fsprobe needs nothing but itself, its shared libraries and
# the dynamic loader: the image is FROM scratch, and its whole filesystem is staged here, the
# libraries found with ldd on this build. The Containerfile only copies it in and labels it.

PODMAN     ?= podman
IMAGE      ?= fsprobe
IMAGE_TAG  ?= $(VERSION)
IMAGE_ROOT := $(OUTPUT)/image-root
IMAGE_STAMP := $(OUTPUT)/image-root.stamp
# org.opencontainers.image.revision: the commit the image is built from.
IMAGE_REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)

# npm is a package of its own in Debian 12, but a Node.js from NodeSource (as on these
# machines) ships npm itself and conflicts with Debian's: add it only when the command is
# missing. tests/deploy validates the manifests with npm packages.
DEPS += $(if $(shell command -v npm 2>/dev/null),,npm)

.PHONY: image image-root

image-root: $(IMAGE_STAMP)

# The binary at /usr/sbin/fsprobe (debug info stripped), every library ldd resolves at the path
# it resolves it to, the loader at the binary's PT_INTERP path, and a minimal /etc/passwd and
# /etc/group (user and group 0, so that tools and runtimes that look the user up find it).
# Nothing else: no shell, no libc tools.
$(IMAGE_STAMP): $(OUTPUT)/fsprobe deploy.mk
	$(call msg,STAGE,$(IMAGE_ROOT))
	$(Q)rm -rf $(IMAGE_ROOT) && mkdir -p $(IMAGE_ROOT)/usr/sbin $(IMAGE_ROOT)/etc
	$(Q)objcopy --strip-debug $(OUTPUT)/fsprobe $(IMAGE_ROOT)/usr/sbin/fsprobe
	$(Q)chmod 0755 $(IMAGE_ROOT)/usr/sbin/fsprobe
	$(Q)libs=$$(ldd $(OUTPUT)/fsprobe) || exit 1; \
	if echo "$$libs" | grep -q 'not found'; then echo "$$libs" >&2; exit 1; fi; \
	for lib in $$(echo "$$libs" | awk '$$2 == "=>" && $$3 ~ /^\// { print $$3 } \
			$$1 ~ /^\// { print $$1 }'); do \
		install -D -m 0755 "$$(readlink -f "$$lib")" "$(IMAGE_ROOT)$$lib" || exit 1; \
	done
	$(Q)interp=$$(readelf -p .interp $(OUTPUT)/fsprobe | sed -n 's/^ *\[ *0\] *//p'); \
	test -x "$(IMAGE_ROOT)$$interp" || { echo "loader $$interp not staged" >&2; exit 1; }
	$(Q)printf 'root:x:0:0:root:/:/sbin/nologin\n' > $(IMAGE_ROOT)/etc/passwd
	$(Q)printf 'root:x:0:\n' > $(IMAGE_ROOT)/etc/group
	$(Q)touch $@

# The build context is the staged root alone. No layer cache (--layers=false): a cached LABEL
# step would keep the previous revision. The image the tag leaves is removed unless it has
# another tag.
image: $(IMAGE_STAMP)
	$(Q)command -v $(PODMAN) >/dev/null || { echo "make image needs podman (make deps)" >&2; exit 1; }
	$(call msg,IMAGE,$(IMAGE):$(IMAGE_TAG))
	$(Q)old=$$($(PODMAN) image inspect --format '{{.Id}}' $(IMAGE):$(IMAGE_TAG) 2>/dev/null); \
	$(PODMAN) build --quiet --layers=false -f Containerfile \
		--build-arg VERSION=$(VERSION) --build-arg REVISION=$(IMAGE_REVISION) \
		-t $(IMAGE):$(IMAGE_TAG) $(IMAGE_ROOT) $(if $(V),,>/dev/null) || exit 1; \
	new=$$($(PODMAN) image inspect --format '{{.Id}}' $(IMAGE):$(IMAGE_TAG)); \
	if [ -n "$$old" ] && [ "$$old" != "$$new" ]; then $(PODMAN) rmi "$$old" >/dev/null 2>&1; fi; true
