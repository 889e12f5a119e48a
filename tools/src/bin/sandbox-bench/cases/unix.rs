//! Unix sockets: stream throughput between two processes
//! (`unix-throughput`).

use super::{Case, Exe, Target};
use crate::harness::{Iterations, Metric};
use crate::programs::{bench_program, Program};

/// `tools/bench/unix_throughput.c`: prints nanoseconds per 64 KiB moved.
const UNIX_THROUGHPUT_PROGRAM: Program = bench_program!("unix_throughput");

/// The `unix-throughput` case. Time per 64 KiB is the inverse of
/// throughput, so "at least 70% of native throughput" is a ratio of at
/// most 1/0.7 here.
pub const UNIX_THROUGHPUT: Case = Case {
    name: "unix-throughput",
    label: "unix stream throughput",
    what: "a writer and a reader process over a Unix stream socketpair, 64 KiB writes and \
           reads, up to 1 GiB a run; time per 64 KiB moved (target: at least 70% of native \
           throughput)",
    program: Exe::Built(&UNIX_THROUGHPUT_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 16_384,
        sandboxed: 16_384,
        least: 1_024,
    }),
    target: Target::RatioAtMost(1.0 / 0.7),
};
