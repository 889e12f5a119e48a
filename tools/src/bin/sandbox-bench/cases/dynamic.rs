//! The host's own dynamic programs: `/bin/true` from spawn to exit
//! (`dynamic-startup`), `python3 -c pass` (`python`), and a `make -j2` of a
//! 20-file C project with gcc (`make`).

use super::{Arg, Case, Exe, Target};
use crate::harness::{Metric, WallRuns};

/// The `make` case's command: writes a project of 20 C files, a `main.c`
/// that calls them and a `Makefile` into a new directory in `/dev/shm` (a
/// tmpfs natively as in the sandbox), builds it with `make -j2`, runs the
/// program, and removes the directory.
const MAKE_RUN: &str = r#"d=$(mktemp -d -p /dev/shm) || exit 1
cd "$d" || exit 1
i=1; objs=main.o
while [ $i -le 20 ]; do
    printf 'int f%d(int x) { return x * 3 + %d; }\n' $i $i > f$i.c
    objs="$objs f$i.o"; i=$((i + 1))
done
{
    printf '#include <stdio.h>\n'
    i=1; while [ $i -le 20 ]; do printf 'int f%d(int);\n' $i; i=$((i + 1)); done
    printf 'int main(void) {\n    int s = 1;\n'
    i=1; while [ $i -le 20 ]; do printf '    s = f%d(s) %% 1000003;\n' $i; i=$((i + 1)); done
    printf '    printf("%%d\\n", s);\n    return 0;\n}\n'
} > main.c
printf 'prog: %s\n\tcc -o $@ %s\n%%.o: %%.c\n\tcc -O1 -c $<\n' "$objs" "$objs" > Makefile
make -s -j2 >/dev/null && ./prog >/dev/null; s=$?
cd / && rm -rf "$d"; exit $s"#;

/// The `dynamic-startup` case.
pub const DYNAMIC_STARTUP: Case = Case {
    name: "dynamic-startup",
    label: "dynamic true startup",
    what: "spawn to exit of the host's dynamic /bin/true (ld.so, libc), wall time seen by the parent",
    program: Exe::Host("/bin/true"),
    args: &[],
    metric: Metric::Wall { runs: None },
    target: Target::NoSlowerThanPeer { peer: "proot", phrase: "dynamic true starts+exits" },
};

/// The `python` case.
pub const PYTHON: Case = Case {
    name: "python",
    label: "python3 -c pass",
    what: "python3 -c pass: the interpreter's start (dozens of files opened and mapped) and exit",
    program: Exe::Host("/usr/bin/python3"),
    args: &[Arg::Lit("-c"), Arg::Lit("pass")],
    metric: Metric::Wall { runs: Some(WallRuns { full: 20, quick: 5 }) },
    target: Target::RatioAtMost(2.0),
};

/// The `make` case.
pub const MAKE: Case = Case {
    name: "make",
    label: "make -j2, 20 C files",
    what: "sh writes 20 C files and a Makefile in a new directory in /dev/shm, make -j2 builds \
           them with gcc (cc1, as, collect2, ld per file) and runs the program: wall time of \
           the whole command",
    program: Exe::Host("/bin/sh"),
    args: &[Arg::Lit("-c"), Arg::Lit(MAKE_RUN)],
    metric: Metric::Wall { runs: Some(WallRuns { full: 5, quick: 2 }) },
    target: Target::RatioAtMost(1.5),
};
