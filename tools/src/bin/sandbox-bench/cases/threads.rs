//! Threads: handing a turn back and forth through a futex
//! (`futex-pingpong`), and creating and joining them (`pthread-create`).

use super::{Case, Exe, Target};
use crate::harness::{Iterations, Metric};
use crate::programs::{bench_program, Program};

/// `tools/bench/futex_pingpong.c`.
const FUTEX_PINGPONG_PROGRAM: Program = bench_program!("futex_pingpong");
/// `tools/bench/pthread_create.c`.
const PTHREAD_CREATE_PROGRAM: Program = bench_program!("pthread_create");

/// The `futex-pingpong` case.
pub const FUTEX_PINGPONG: Case = Case {
    name: "futex-pingpong",
    label: "futex ping-pong",
    what: "two threads handing a turn back and forth through FUTEX_WAIT/FUTEX_WAKE; \
           time per round (two hand-offs)",
    program: Exe::Built(&FUTEX_PINGPONG_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 200_000,
        sandboxed: 50_000,
        least: 200,
    }),
    target: Target::RatioAtMost(10.0),
};

/// The `pthread-create` case.
pub const PTHREAD_CREATE: Case = Case {
    name: "pthread-create",
    label: "pthread create+join",
    what: "pthread_create of a thread that returns at once, then pthread_join; time per \
           pair",
    program: Exe::Built(&PTHREAD_CREATE_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 20_000,
        sandboxed: 2_000,
        least: 20,
    }),
    target: Target::Report,
};
