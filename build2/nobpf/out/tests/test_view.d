build2/nobpf/out/tests/test_view: tests/unit/test_view.c \
 user/term/report.h user/lib/buf.h user/term/view.h user/probe/snapshot.h \
 bpf/fsprobe.h user/term/top.h user/term/cell.h user/term/view.h \
 tests/unit/testutil.h
user/term/report.h:
user/lib/buf.h:
user/term/view.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
user/term/top.h:
user/term/cell.h:
user/term/view.h:
tests/unit/testutil.h:
