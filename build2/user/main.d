build2/user/main.o: user/main.c user/term/check.h user/term/functions.h \
 user/export/http.h user/lib/buf.h user/export/render.h \
 user/probe/snapshot.h bpf/fsprobe.h user/lib/log.h user/probe/privs.h \
 user/export/render.h user/term/report.h user/term/view.h \
 user/probe/session.h user/probe/collect.h user/probe/probe.h \
 user/probe/snapshot.h user/probe/plan.h user/probe/kernel.h \
 user/target/place.h user/target/resolve.h user/target/target.h \
 user/spec/symmap.h user/lib/sig.h user/term/top.h \
 user/export/webconfig.h
user/term/check.h:
user/term/functions.h:
user/export/http.h:
user/lib/buf.h:
user/export/render.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
user/lib/log.h:
user/probe/privs.h:
user/export/render.h:
user/term/report.h:
user/term/view.h:
user/probe/session.h:
user/probe/collect.h:
user/probe/probe.h:
user/probe/snapshot.h:
user/probe/plan.h:
user/probe/kernel.h:
user/target/place.h:
user/target/resolve.h:
user/target/target.h:
user/spec/symmap.h:
user/lib/sig.h:
user/term/top.h:
user/export/webconfig.h:
