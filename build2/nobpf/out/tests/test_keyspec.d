build2/nobpf/out/tests/test_keyspec: tests/unit/test_keyspec.c \
 user/spec/keyspec.h bpf/fsprobe.h
user/spec/keyspec.h:
bpf/fsprobe.h:
