build2/nobpf/out/user/term/functions.o: user/term/functions.c \
 user/term/cell.h user/lib/buf.h user/target/demangle.h \
 user/target/elf_file.h user/term/functions.h user/lib/log.h \
 user/target/proc.h user/target/resolve.h user/term/view.h \
 user/probe/snapshot.h bpf/fsprobe.h
user/term/cell.h:
user/lib/buf.h:
user/target/demangle.h:
user/target/elf_file.h:
user/term/functions.h:
user/lib/log.h:
user/target/proc.h:
user/target/resolve.h:
user/term/view.h:
user/probe/snapshot.h:
bpf/fsprobe.h:
