build2/user/agent/config.o: user/agent/config.c user/agent/config.h
user/agent/config.h:
