build2/nobpf/out/user/target/target.o: user/target/target.c \
 user/target/proc.h user/target/target.h
user/target/proc.h:
user/target/target.h:
