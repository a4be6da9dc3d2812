build2/nobpf/out/user/probe/env.o: user/probe/env.c user/probe/env.h \
 user/lib/log.h
user/probe/env.h:
user/lib/log.h:
