build2/nobpf/out/tests/test_http_addr: tests/unit/test_http_addr.c \
 user/export/http.h user/lib/buf.h user/export/render.h \
 user/probe/snapshot.h bpf/fsprobe.h
user/export/http.h:
user/lib/buf.h:
user/export/render.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
