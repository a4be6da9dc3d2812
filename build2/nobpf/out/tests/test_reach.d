build2/nobpf/out/tests/test_reach: tests/unit/test_reach.c \
 user/target/reach.h user/target/resolve.h tests/unit/testutil.h
user/target/reach.h:
user/target/resolve.h:
tests/unit/testutil.h:
