# gcc compiling and linking C in a temporary directory (in the sandbox: its
# own /tmp): cc1, as and collect2/ld, with pipes (-pipe) and temporary
# files, a static library made with ar, a shared library found through
# -rpath, then the programs run. Run by bash -c.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
cat > util.h <<'C'
int square(int x);
double root(double x);
C
cat > util.c <<'C'
#include <math.h>
#include "util.h"
int square(int x) { return x * x; }
double root(double x) { return sqrt(x); }
C
cat > main.c <<'C'
#include <stdio.h>
#include "util.h"
int main(int argc, char **argv) {
    printf("square(%d) = %d, root(2) = %.6f, argc = %d\n", 12, square(12), root(2), argc);
    return 3;
}
C
gcc -O2 -Wall -Werror -o prog main.c util.c -lm
./prog a b && echo unexpected || echo "prog: exit $?"
gcc -pipe -c -O1 util.c -o util.o
gcc -c main.c -o main.o
ar rcs libutil.a util.o
gcc -o prog_static main.o -L. -lutil -lm
./prog_static || echo "prog_static: exit $?"
gcc -shared -fPIC -o libutil.so util.c -lm
gcc -o prog_shared main.c -L. -lutil -Wl,-rpath,"$d"
./prog_shared x || echo "prog_shared: exit $?"
gcc -E main.c | grep -c square
gcc -S -o - util.c | grep -c 'square'
echo 'int main(void) { return undefined_function(); }' > bad.c
if gcc -o bad bad.c 2>err.txt; then echo "bad.c linked?"; else echo "bad.c: gcc failed with $?"; fi
grep -c 'undefined reference to .undefined_function' err.txt
echo 'int main(void) { return 0 }' > syntax.c
gcc -c syntax.c 2>/dev/null || echo "syntax.c: gcc failed with $?"
ls | sort | tr '\n' ' '; echo
echo done
