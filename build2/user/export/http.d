build2/user/export/http.o: user/export/http.c user/export/http.h \
 user/lib/buf.h user/export/render.h user/probe/snapshot.h bpf/fsprobe.h \
 user/lib/log.h user/export/webconfig.h
user/export/http.h:
user/lib/buf.h:
user/export/render.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
user/lib/log.h:
user/export/webconfig.h:
