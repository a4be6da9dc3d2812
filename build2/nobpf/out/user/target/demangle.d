build2/nobpf/out/user/target/demangle.o: user/target/demangle.c \
 user/target/demangle.h
user/target/demangle.h:
