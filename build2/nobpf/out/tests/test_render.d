build2/nobpf/out/tests/test_render: tests/unit/test_render.c \
 user/export/render.h user/lib/buf.h user/probe/snapshot.h bpf/fsprobe.h \
 tests/unit/testutil.h
user/export/render.h:
user/lib/buf.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
tests/unit/testutil.h:
