build2/nobpf/out/user/export/render.o: user/export/render.c \
 user/export/keytext.h user/lib/buf.h bpf/fsprobe.h user/probe/snapshot.h \
 user/spec/symmap.h user/export/render.h
user/export/keytext.h:
user/lib/buf.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/spec/symmap.h:
user/export/render.h:
