build2/nobpf/out/user/agent/meta.o: user/agent/meta.c user/agent/meta.h
user/agent/meta.h:
