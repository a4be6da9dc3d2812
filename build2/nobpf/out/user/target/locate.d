build2/nobpf/out/user/target/locate.o: user/target/locate.c \
 user/target/locate.h user/target/resolve.h user/target/target.h \
 user/target/proc.h
user/target/locate.h:
user/target/resolve.h:
user/target/target.h:
user/target/proc.h:
