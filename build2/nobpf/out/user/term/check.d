build2/nobpf/out/user/term/check.o: user/term/check.c user/term/check.h \
 user/probe/env.h user/probe/kernel.h user/target/place.h \
 user/probe/privs.h
user/term/check.h:
user/probe/env.h:
user/probe/kernel.h:
user/target/place.h:
user/probe/privs.h:
