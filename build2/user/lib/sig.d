build2/user/lib/sig.o: user/lib/sig.c user/lib/sig.h
user/lib/sig.h:
