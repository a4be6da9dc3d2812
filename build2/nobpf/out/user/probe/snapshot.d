build2/nobpf/out/user/probe/snapshot.o: user/probe/snapshot.c \
 user/probe/snapshot.h bpf/fsprobe.h
user/probe/snapshot.h:
bpf/fsprobe.h:
