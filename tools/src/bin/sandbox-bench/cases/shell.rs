//! Whole shell scripts under the host's static busybox: many short
//! processes (`shell-loop`) and file work (`file-heavy`).

use super::{Arg, Case, Exe, Target};
use crate::harness::{Metric, WallRuns};

/// Debian's static busybox, whose shell runs the scripts.
const BUSYBOX: &str = "/bin/busybox";

/// The `shell-loop` script: 100 iterations of two fork+execs each.
const SHELL_LOOP_SCRIPT: &str =
    "i=0; while [ $i -lt 100 ]; do /bin/busybox true; /bin/busybox true; i=$((i+1)); done";

/// The file-heavy script of the tests (`tests/scripts/file_heavy.sh`): it
/// makes a tree of a few hundred files in `$1` and copies, renames, links,
/// lists, finds, sorts, tars and gzips it.
const FILE_HEAVY_SCRIPT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/scripts/file_heavy.sh"
));

/// The `file-heavy` case's command: the script (its `$1`) in a new
/// directory in `/dev/shm`, removed afterwards. That is a tmpfs natively
/// as in the sandbox, so both sides keep the files in memory (the host's
/// `/tmp` may be a disk, whose unlinks alone can take longer than the
/// whole sandboxed run).
const FILE_HEAVY_RUN: &str =
    "d=$(mktemp -d -p /dev/shm) || exit 1; sh -c \"$1\" sh \"$d\" >/dev/null; s=$?; rm -rf \"$d\"; exit $s";

/// The `shell-loop` case.
pub const SHELL_LOOP: Case = Case {
    name: "shell-loop",
    label: "shell loop",
    what: "busybox sh -c 'i=0; while [ $i -lt 100 ]; do /bin/busybox true; \
           /bin/busybox true; i=$((i+1)); done' (200 fork+execs), wall time of the \
           whole command",
    program: Exe::Host(BUSYBOX),
    args: &[Arg::Lit("sh"), Arg::Lit("-c"), Arg::Lit(SHELL_LOOP_SCRIPT)],
    metric: Metric::Wall {
        runs: Some(WallRuns { full: 20, quick: 5 }),
    },
    target: Target::RatioAtMost(3.0),
};

/// The `file-heavy` case.
pub const FILE_HEAVY: Case = Case {
    name: "file-heavy",
    label: "file-heavy script",
    what: "tests/scripts/file_heavy.sh under busybox sh in a new directory in /dev/shm: \
           300 files made, copied, renamed, linked, listed, found, sorted, tarred and \
           gzipped (about 110 forks and 20 execs), wall time of the whole command",
    program: Exe::Host(BUSYBOX),
    args: &[
        Arg::Lit("sh"),
        Arg::Lit("-c"),
        Arg::Lit(FILE_HEAVY_RUN),
        Arg::Lit("sh"),
        Arg::Lit(FILE_HEAVY_SCRIPT),
    ],
    metric: Metric::Wall {
        runs: Some(WallRuns { full: 10, quick: 3 }),
    },
    target: Target::RatioAtMost(3.0),
};
