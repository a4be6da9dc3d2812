build2/nobpf/out/tests/test_render_key: tests/unit/test_render_key.c \
 user/export/keytext.h user/lib/buf.h bpf/fsprobe.h user/probe/snapshot.h \
 user/spec/symmap.h user/export/render.h
user/export/keytext.h:
user/lib/buf.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/spec/symmap.h:
user/export/render.h:
