build2/nobpf/out/user/probe/collect.o: user/probe/collect.c \
 user/probe/collect.h user/probe/probe.h bpf/fsprobe.h \
 user/probe/snapshot.h user/probe/plan.h user/probe/kernel.h \
 user/target/place.h user/target/resolve.h user/target/target.h
user/probe/collect.h:
user/probe/probe.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/probe/plan.h:
user/probe/kernel.h:
user/target/place.h:
user/target/resolve.h:
user/target/target.h:
