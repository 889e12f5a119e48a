//! `sandbox-bench`: measures the sandbox against native execution, and against
//! peer sandboxes where installed (`proot`, gVisor's `runsc`), in one run.
//!
//! It compiles the C micro-benchmarks in `tools/bench/` (embedded in this
//! binary) with `gcc -O2 -static` into a cache directory next to its own
//! executable, runs every case natively, under `sandbox-exec` (twice: as it
//! runs by default, with hot syscall sites patched to enter the sentry
//! through shared memory, and with `--no-patch`, every call on the SIGSYS
//! signal path) and under each peer, and prints a table of times and ratios
//! to native followed by one `summary:` line. Speed targets are judged from
//! that output (on the default, patched path), never from timed assertions
//! in tests.
//!
//! Besides speed, the `idle` case measures what a sandboxed program blocked
//! in `read(0)` costs while it waits: the CPU time of the sentry and its stub
//! processes over a window, as a percentage of one core; `idle-sleep` the
//! same for a program asleep in `nanosleep` (a kernel timer is armed, and
//! the CPU clock's ticker must have turned itself off).
//!
//! Runs are interleaved across the columns (round-robin), so slow drift on a
//! shared machine affects every column alike. Every run has a timeout, and a
//! failing run (non-zero exit, no result) becomes an `n/a` cell plus a note
//! quoting its exit status and stderr; failures of the native or sandboxed
//! column make the exit status 1, failures of peers do not.
//!
//! Layout:
//! - this file: the command line and the order of a run;
//! - [`cases`]: a module per family of cases, each declaring its cases (as
//!   [`cases::Case`] constants) and the C programs they run; [`cases::ALL`]
//!   puts them in table order;
//! - [`harness`]: the one harness every case goes through: the columns,
//!   timed runs with timeouts, the sanity check, and the measurement of a
//!   case per [`harness::Metric`] (round-robin samples reduced to a best, a
//!   median and mean, or CPU use over a window);
//! - [`report`]: the table, the ratios, the notes and the summary line;
//! - [`programs`]: embedding and compiling the C programs. Those that time a
//!   loop include `tools/bench/bench.h`, which holds the clock reading, the
//!   iteration count argument, the timing loop and the `ns_per_op` line.
//!
//! Adding a case: add its C source to `tools/bench/` (a timing program
//! includes `bench.h` and keeps only the operation it times), declare it
//! with [`programs::bench_program`] and the case as a [`cases::Case`] in the
//! module of its family under `cases/` (or a new one), and list the case in
//! [`cases::ALL`]. A case may also run a program of the host (such as
//! `/bin/busybox`, see [`cases::Exe::Host`]) and pass the paths of built
//! programs as arguments ([`cases::Arg::Program`]).

mod cases;
mod harness;
mod programs;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::harness::{Budget, Watchdog};
use crate::programs::Program;

/// Command-line flags.
#[derive(Parser, Debug)]
#[command(
    name = "sandbox-bench",
    about = "Measure sandbox-exec against native execution (and proot/runsc if installed)"
)]
struct Cli {
    /// Fewer iterations and runs, for CI smoke runs (the whole run takes < 25 s).
    #[arg(long)]
    quick: bool,
    /// Run only these cases (repeat the flag or separate with commas).
    #[arg(long, value_name = "CASE", value_delimiter = ',')]
    only: Vec<String>,
    /// The sandbox-exec binary to measure [default: next to this executable].
    #[arg(long, value_name = "PATH")]
    sandbox_exec: Option<PathBuf>,
    /// Leave out the peer columns (proot, runsc) even if they are installed.
    #[arg(long)]
    no_peers: bool,
}

/// Runs the benchmark; returns the process exit code.
fn run(cli: Cli) -> Result<ExitCode, String> {
    let budget = Budget::new(cli.quick);
    let selected = cases::select(&cli.only)?;

    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let exe_dir = exe.parent().unwrap_or(Path::new("/")).to_path_buf();
    let sandbox_exec = match cli.sandbox_exec {
        Some(p) => std::path::absolute(&p).unwrap_or(p),
        None => exe.with_file_name("sandbox-exec"),
    };
    let mut runners = harness::runners(&sandbox_exec, !cli.no_peers);

    let bin_dir = exe_dir.join("bench-bin");
    let mut programs: Vec<&Program> = vec![&harness::CHECK_PROGRAM];
    for program in selected.iter().flat_map(|case| case.programs()) {
        if !programs.iter().any(|p| p.name == program.name) {
            programs.push(program);
        }
    }
    programs::build(&bin_dir, &programs)?;

    report::print_header(cli.quick, &sandbox_exec, cli.no_peers, &runners, &bin_dir);

    let watchdog = Watchdog::start();
    let check = harness::CHECK_PROGRAM.path(&bin_dir);
    let warnings = harness::check_runners(&mut runners, &check, &budget, &watchdog);
    let mut results = Vec::new();
    let mut hows = Vec::new();
    for case in &selected {
        eprintln!("running {} ...", case.name);
        let exe = case.executable(&bin_dir);
        let (outcomes, how) = harness::measure(
            case,
            &runners,
            exe.as_deref().map_err(String::as_str),
            &case.resolved_args(&bin_dir),
            &budget,
            &watchdog,
        );
        results.push(outcomes);
        hows.push(how);
    }

    let failed = report::print(&selected, &runners, &results, &hows, &warnings);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sandbox-bench: {e}");
            ExitCode::from(2)
        }
    }
}
