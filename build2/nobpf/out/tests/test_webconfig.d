build2/nobpf/out/tests/test_webconfig: tests/unit/test_webconfig.c \
 user/export/webconfig.h tests/unit/testutil.h
user/export/webconfig.h:
tests/unit/testutil.h:
