build2/nobpf/out/tests/test_meta: tests/unit/test_meta.c \
 tests/unit/testutil.h user/agent/meta.h
tests/unit/testutil.h:
user/agent/meta.h:
