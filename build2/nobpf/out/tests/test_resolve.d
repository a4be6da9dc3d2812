build2/nobpf/out/tests/test_resolve: tests/unit/test_resolve.c \
 user/target/resolve.h tests/unit/testutil.h
user/target/resolve.h:
tests/unit/testutil.h:
