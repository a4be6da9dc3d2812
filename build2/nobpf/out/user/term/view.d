build2/nobpf/out/user/term/view.o: user/term/view.c user/term/cell.h \
 user/lib/buf.h user/export/keytext.h bpf/fsprobe.h user/probe/snapshot.h \
 user/spec/symmap.h user/term/view.h
user/term/cell.h:
user/lib/buf.h:
user/export/keytext.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/spec/symmap.h:
user/term/view.h:
