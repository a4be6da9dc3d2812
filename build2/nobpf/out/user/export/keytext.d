build2/nobpf/out/user/export/keytext.o: user/export/keytext.c \
 user/export/keytext.h user/lib/buf.h bpf/fsprobe.h user/probe/snapshot.h \
 user/spec/symmap.h
user/export/keytext.h:
user/lib/buf.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/spec/symmap.h:
