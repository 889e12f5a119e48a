# make -j2 on a small multi-file C project made in a temporary directory
# (in the sandbox: its own /tmp): parallel compiles, a link, the program
# run; an up-to-date tree does nothing; a touched source and a touched
# header rebuild what depends on them; a failing rule stops make. Run by
# bash -c. Parallel output is sorted.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
for i in 1 2 3 4 5 6; do
    printf '#include "common.h"\nint f%d(void) { return BASE + %d; }\n' $i $i > f$i.c
done
printf '#define BASE 100\n' > common.h
{
    printf '#include <stdio.h>\n'
    for i in 1 2 3 4 5 6; do printf 'int f%d(void);\n' $i; done
    printf 'int main(void) { printf("sum %%d\\n", f1() + f2() + f3() + f4() + f5() + f6()); return 0; }\n'
} > main.c
cat > Makefile <<'MK'
SRCS := main.c $(wildcard f*.c)
OBJS := $(SRCS:.c=.o)
prog: $(OBJS)
	@echo "link $@"
	@$(CC) -o $@ $(OBJS)
%.o: %.c common.h
	@echo "cc $<"
	@$(CC) -O1 -c -o $@ $<
.PHONY: clean broken
clean:
	rm -f prog $(OBJS)
broken:
	@false
MK
make -j2 2>&1 | sort
./prog
make -j2
make -q && echo "make -q: up to date"
# Everything made older, then one source touched now: no waiting for the
# clock to tick past the objects' times.
age() { touch -d '2020-01-01 00:00:00' ./*; }
age
touch f3.c
make -j2 2>&1 | sort
age
printf '#define BASE 200\n' > common.h
make -j2 -s 2>&1 | sort | tr '\n' ' '; echo
./prog
make -j2 broken >/dev/null 2>&1 || echo "make broken: exit $?"
make -s clean
ls | sort | tr '\n' ' '; echo
echo done
