build2/nobpf/out/user/target/proc.o: user/target/proc.c \
 user/target/proc.h
user/target/proc.h:
