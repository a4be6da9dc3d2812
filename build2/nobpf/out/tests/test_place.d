build2/nobpf/out/tests/test_place: tests/unit/test_place.c \
 user/target/place.h user/target/resolve.h tests/unit/testutil.h
user/target/place.h:
user/target/resolve.h:
tests/unit/testutil.h:
