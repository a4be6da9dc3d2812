build2/nobpf/out/user/spec/keyspec.o: user/spec/keyspec.c \
 user/spec/keyspec.h bpf/fsprobe.h
user/spec/keyspec.h:
bpf/fsprobe.h:
