build2/nobpf/out/user/probe/probe.o: user/probe/probe.c user/lib/log.h \
 user/probe/object.h bpf/fsprobe.h user/probe/kernel.h user/probe/probe.h \
 user/probe/snapshot.h user/probe/plan.h user/target/place.h \
 user/target/resolve.h user/target/target.h
user/lib/log.h:
user/probe/object.h:
bpf/fsprobe.h:
user/probe/kernel.h:
user/probe/probe.h:
user/probe/snapshot.h:
user/probe/plan.h:
user/target/place.h:
user/target/resolve.h:
user/target/target.h:
