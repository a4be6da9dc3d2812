build2/nobpf/out/user/lib/sig.o: user/lib/sig.c user/lib/sig.h
user/lib/sig.h:
