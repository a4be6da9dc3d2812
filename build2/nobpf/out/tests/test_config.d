build2/nobpf/out/tests/test_config: tests/unit/test_config.c \
 user/agent/config.h tests/unit/testutil.h
user/agent/config.h:
tests/unit/testutil.h:
