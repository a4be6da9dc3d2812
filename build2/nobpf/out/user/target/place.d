build2/nobpf/out/user/target/place.o: user/target/place.c \
 user/target/decode.h user/target/elf_file.h user/target/place.h
user/target/decode.h:
user/target/elf_file.h:
user/target/place.h:
