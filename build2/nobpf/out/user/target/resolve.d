build2/nobpf/out/user/target/resolve.o: user/target/resolve.c \
 user/target/demangle.h user/target/elf_file.h user/target/resolve.h
user/target/demangle.h:
user/target/elf_file.h:
user/target/resolve.h:
