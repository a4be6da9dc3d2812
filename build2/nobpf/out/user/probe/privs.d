build2/nobpf/out/user/probe/privs.o: user/probe/privs.c \
 user/probe/privs.h
user/probe/privs.h:
