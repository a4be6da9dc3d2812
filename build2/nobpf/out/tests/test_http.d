build2/nobpf/out/tests/test_http: tests/unit/test_http.c \
 user/export/http.h user/lib/buf.h user/export/render.h \
 user/probe/snapshot.h bpf/fsprobe.h user/export/render.h \
 tests/unit/testutil.h
user/export/http.h:
user/lib/buf.h:
user/export/render.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
user/export/render.h:
tests/unit/testutil.h:
