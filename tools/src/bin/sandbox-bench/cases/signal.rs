//! Signal delivery to a process spinning in app code, which makes no system
//! call the sandbox could deliver it at (`signal-latency`).

use super::{Case, Exe, Target};
use crate::harness::{Iterations, Metric};
use crate::programs::{bench_program, Program};

/// `tools/bench/signal_latency.c`: prints the worst latency of a run's
/// signals as its `ns_per_op`.
const SIGNAL_LATENCY_PROGRAM: Program = bench_program!("signal_latency");

/// The `signal-latency` case.
pub const SIGNAL_LATENCY: Case = Case {
    name: "signal-latency",
    label: "signal to a spinning process",
    what: "kill() from a parent to the first instruction of the handler of a child \
           spinning in app code with no system calls; the worst of a run's signals",
    program: Exe::Built(&SIGNAL_LATENCY_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 2_000,
        sandboxed: 500,
        least: 50,
    }),
    target: Target::SandboxBelowMs {
        max_ms: 10.0,
        phrase: "a spinning process takes a signal",
    },
};
