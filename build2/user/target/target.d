build2/user/target/target.o: user/target/target.c user/target/proc.h \
 user/target/target.h
user/target/proc.h:
user/target/target.h:
