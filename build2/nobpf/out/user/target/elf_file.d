build2/nobpf/out/user/target/elf_file.o: user/target/elf_file.c \
 user/target/elf_file.h
user/target/elf_file.h:
