build2/nobpf/out/user/target/reach.o: user/target/reach.c \
 user/target/decode.h user/target/elf_file.h user/target/reach.h
user/target/decode.h:
user/target/elf_file.h:
user/target/reach.h:
