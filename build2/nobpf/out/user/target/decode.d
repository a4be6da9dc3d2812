build2/nobpf/out/user/target/decode.o: user/target/decode.c \
 user/target/decode.h
user/target/decode.h:
