build2/nobpf/out/user/probe/plan.o: user/probe/plan.c \
 user/target/locate.h user/target/resolve.h user/target/target.h \
 user/lib/log.h user/probe/plan.h bpf/fsprobe.h user/probe/kernel.h \
 user/target/place.h user/target/resolve.h user/target/target.h \
 user/target/reach.h
user/target/locate.h:
user/target/resolve.h:
user/target/target.h:
user/lib/log.h:
user/probe/plan.h:
bpf/fsprobe.h:
user/probe/kernel.h:
user/target/place.h:
user/target/resolve.h:
user/target/target.h:
user/target/reach.h:
