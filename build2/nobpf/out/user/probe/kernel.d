build2/nobpf/out/user/probe/kernel.o: user/probe/kernel.c \
 user/probe/kernel.h
user/probe/kernel.h:
