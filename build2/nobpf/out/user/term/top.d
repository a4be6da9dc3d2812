build2/nobpf/out/user/term/top.o: user/term/top.c user/term/cell.h \
 user/lib/buf.h user/lib/log.h user/lib/sig.h user/term/top.h \
 user/term/view.h user/probe/snapshot.h bpf/fsprobe.h
user/term/cell.h:
user/lib/buf.h:
user/lib/log.h:
user/lib/sig.h:
user/term/top.h:
user/term/view.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
