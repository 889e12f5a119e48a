//! One system call in a loop: `getppid` (the cheapest there is) and
//! `clock_gettime` (answered by the vDSO, natively the host's and in the
//! sandbox its own).

use super::{Case, Exe, Target};
use crate::harness::{Iterations, Metric};
use crate::programs::{bench_program, Program};

/// `tools/bench/getppid.c`.
const GETPPID_PROGRAM: Program = bench_program!("getppid");
/// `tools/bench/clock_gettime.c`.
const CLOCK_GETTIME_PROGRAM: Program = bench_program!("clock_gettime");

/// The `getppid` case.
pub const GETPPID: Case = Case {
    name: "getppid",
    label: "getppid",
    what: "syscall(SYS_getppid) round trip, ns per call",
    program: Exe::Built(&GETPPID_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 2_000_000,
        sandboxed: 200_000,
        least: 1000,
    }),
    target: Target::RatioAtMost(15.0),
};

/// The `clock_gettime` case.
pub const CLOCK_GETTIME: Case = Case {
    name: "clock_gettime",
    label: "clock_gettime",
    what: "clock_gettime(CLOCK_MONOTONIC) through libc, ns per call (answered by the vDSO)",
    program: Exe::Built(&CLOCK_GETTIME_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 20_000_000,
        sandboxed: 20_000_000,
        least: 1000,
    }),
    target: Target::RatioAtMost(2.0),
};
