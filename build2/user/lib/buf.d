build2/user/lib/buf.o: user/lib/buf.c user/lib/buf.h
user/lib/buf.h:
