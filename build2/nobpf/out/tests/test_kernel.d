build2/nobpf/out/tests/test_kernel: tests/unit/test_kernel.c \
 tests/unit/testutil.h user/probe/env.h user/probe/kernel.h
tests/unit/testutil.h:
user/probe/env.h:
user/probe/kernel.h:
