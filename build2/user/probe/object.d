build2/user/probe/object.o: user/probe/object.c user/probe/object.h \
 bpf/fsprobe.h user/probe/kernel.h build2/fsprobe.skel.h \
 build2/fsprobe_compat.skel.h
user/probe/object.h:
bpf/fsprobe.h:
user/probe/kernel.h:
build2/fsprobe.skel.h:
build2/fsprobe_compat.skel.h:
