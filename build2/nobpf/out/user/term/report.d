build2/nobpf/out/user/term/report.o: user/term/report.c user/term/cell.h \
 user/lib/buf.h user/lib/log.h user/lib/sig.h user/export/keytext.h \
 bpf/fsprobe.h user/probe/snapshot.h user/spec/symmap.h \
 user/term/report.h user/term/view.h
user/term/cell.h:
user/lib/buf.h:
user/lib/log.h:
user/lib/sig.h:
user/export/keytext.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/spec/symmap.h:
user/term/report.h:
user/term/view.h:
