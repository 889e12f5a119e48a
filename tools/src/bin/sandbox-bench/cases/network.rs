//! TCP over loopback between two processes: a 1-byte ping-pong
//! (`tcp-rtt`) and a bulk transfer in 64 KiB writes (`tcp-throughput`).
//! In the sandbox both ends are sandboxed processes on its private
//! loopback (host sockets the sentry holds, every byte passing through
//! it); natively, on the host's.

use super::{Case, Exe, Target};
use crate::harness::{Iterations, Metric};
use crate::programs::{bench_program, Program};

/// `tools/bench/tcp_rtt.c`.
const TCP_RTT_PROGRAM: Program = bench_program!("tcp_rtt");
/// `tools/bench/tcp_throughput.c`.
const TCP_THROUGHPUT_PROGRAM: Program = bench_program!("tcp_throughput");

/// The `tcp-rtt` case.
pub const TCP_RTT: Case = Case {
    name: "tcp-rtt",
    label: "TCP loopback round trip",
    what: "1-byte ping-pong over a TCP loopback connection (TCP_NODELAY) between a \
           process and its child; ns per round trip",
    program: Exe::Built(&TCP_RTT_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 200_000,
        sandboxed: 50_000,
        least: 500,
    }),
    target: Target::RatioAtMost(1.5),
};

/// The `tcp-throughput` case.
pub const TCP_THROUGHPUT: Case = Case {
    name: "tcp-throughput",
    label: "TCP loopback throughput",
    what: "a child writes 64 KiB blocks into a TCP loopback connection, the parent reads \
           them (up to 1 GiB a run); ns per 64 KiB block",
    program: Exe::Built(&TCP_THROUGHPUT_PROGRAM),
    args: &[],
    metric: Metric::PerOp(Iterations {
        native: 16_384,
        sandboxed: 16_384,
        least: 512,
    }),
    target: Target::ThroughputAtLeast(0.7),
};
