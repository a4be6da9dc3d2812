build2/nobpf/out/user/spec/symmap.o: user/spec/symmap.c user/lib/log.h \
 user/probe/snapshot.h bpf/fsprobe.h user/spec/symmap.h
user/lib/log.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
user/spec/symmap.h:
