//! Starting programs: a static `true` from spawn to exit as the bench sees
//! it (`startup`), and fork+exec+wait of it from a program (`fork-exec`).

use super::{Arg, Case, Exe, Target};
use crate::harness::{Iterations, Metric};
use crate::programs::{bench_program, Program};

/// `tools/bench/true.c`: start, exit 0.
const TRUE_PROGRAM: Program = bench_program!("true");
/// `tools/bench/spawn.c`: fork, execve, waitpid in a loop.
const SPAWN_PROGRAM: Program = bench_program!("spawn");

/// The `startup` case.
pub const STARTUP: Case = Case {
    name: "startup",
    label: "true startup",
    what: "spawn to exit of a static `true`, wall time seen by the parent",
    program: Exe::Built(&TRUE_PROGRAM),
    args: &[],
    metric: Metric::Wall { runs: None },
    target: Target::SandboxBelowMs {
        max_ms: 20.0,
        phrase: "static true starts+exits",
    },
};

/// The `fork-exec` case.
pub const FORK_EXEC: Case = Case {
    name: "fork-exec",
    label: "fork+exec+wait",
    what: "fork, execve of a static `true` in the child, waitpid in the parent; time per \
           iteration, in one process",
    program: Exe::Built(&SPAWN_PROGRAM),
    args: &[Arg::Program(&TRUE_PROGRAM)],
    metric: Metric::PerOp(Iterations {
        native: 4_000,
        sandboxed: 1_000,
        least: 20,
    }),
    target: Target::RatioAtMost(5.0),
};
