build2/nobpf/out/user/term/cell.o: user/term/cell.c user/term/cell.h \
 user/lib/buf.h user/export/keytext.h bpf/fsprobe.h user/probe/snapshot.h \
 user/spec/symmap.h
user/term/cell.h:
user/lib/buf.h:
user/export/keytext.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/spec/symmap.h:
