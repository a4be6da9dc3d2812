build2/nobpf/out/user/probe/session.o: user/probe/session.c \
 user/probe/env.h user/spec/keyspec.h bpf/fsprobe.h user/lib/log.h \
 user/probe/session.h user/probe/collect.h user/probe/probe.h \
 user/probe/snapshot.h user/probe/plan.h user/probe/kernel.h \
 user/target/place.h user/target/resolve.h user/target/target.h \
 user/spec/symmap.h
user/probe/env.h:
user/spec/keyspec.h:
bpf/fsprobe.h:
user/lib/log.h:
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
