build2/nobpf/out/tests/test_collect: tests/unit/test_collect.c \
 user/probe/collect.h user/probe/probe.h bpf/fsprobe.h \
 user/probe/snapshot.h user/probe/plan.h user/probe/kernel.h \
 user/target/place.h user/target/resolve.h user/target/target.h \
 tests/unit/testutil.h
user/probe/collect.h:
user/probe/probe.h:
bpf/fsprobe.h:
user/probe/snapshot.h:
user/probe/plan.h:
user/probe/kernel.h:
user/target/place.h:
user/target/resolve.h:
user/target/target.h:
tests/unit/testutil.h:
