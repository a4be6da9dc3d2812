build2/nobpf/out/user/agent/config.o: user/agent/config.c \
 user/agent/config.h
user/agent/config.h:
