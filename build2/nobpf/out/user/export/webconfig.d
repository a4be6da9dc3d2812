build2/nobpf/out/user/export/webconfig.o: user/export/webconfig.c \
 user/lib/log.h user/export/webconfig.h
user/lib/log.h:
user/export/webconfig.h:
