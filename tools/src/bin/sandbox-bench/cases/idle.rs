//! What a sandboxed program that waits costs: blocked in `read(0)` (`idle`)
//! or asleep in `nanosleep` (`idle-sleep`, where a kernel timer is armed and
//! the sandbox's CPU clock ticker must have turned itself off).

use super::{Arg, Case, Exe, Target};
use crate::harness::Metric;
use crate::programs::{bench_program, Program};

/// `tools/bench/idle.c`: prints `idle ready`, optionally sleeps, blocks in
/// `read(0)`.
const IDLE_PROGRAM: Program = bench_program!("idle");

/// The `idle` case.
pub const IDLE: Case = Case {
    name: "idle",
    label: "idle CPU",
    what: "a static program blocked in read(0) on a silent pipe: CPU time of its whole \
           process tree (sandbox: sandbox-exec, i.e. the sentry, plus its stub child \
           processes), % of one core",
    program: Exe::Built(&IDLE_PROGRAM),
    args: &[],
    metric: Metric::Idle,
    target: Target::SandboxBelowPercent {
        max_pct: 1.0,
        phrase: "idle sentry+stubs",
    },
};

/// The `idle-sleep` case: the program sleeps through the window before it
/// reads.
pub const IDLE_SLEEP: Case = Case {
    name: "idle-sleep",
    label: "idle CPU, asleep",
    what: "a static program in one 6 s nanosleep: CPU time of its whole process tree, \
           % of one core (the sandbox's CPU clock ticker must be off)",
    program: Exe::Built(&IDLE_PROGRAM),
    args: &[Arg::Lit("sleep")],
    metric: Metric::Idle,
    target: Target::SandboxBelowPercent {
        max_pct: 1.0,
        phrase: "sleeping sentry+stubs",
    },
};
