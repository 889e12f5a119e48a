//! The benchmark cases, a module per family, and what a case is made of: the
//! program it runs, how the harness measures it ([`Metric`]) and the target
//! the summary line judges it by ([`Target`]). [`ALL`] puts them in table
//! order.

mod dynamic;
mod idle;
mod network;
mod shell;
mod signal;
mod spawn;
mod syscall;
mod threads;
mod unix;

use std::path::{Path, PathBuf};

use crate::harness::{is_executable, Metric};
use crate::programs::Program;

/// Every case, in table order.
pub const ALL: &[Case] = &[
    syscall::GETPPID,
    spawn::STARTUP,
    dynamic::DYNAMIC_STARTUP,
    dynamic::PYTHON,
    idle::IDLE,
    idle::IDLE_SLEEP,
    syscall::CLOCK_GETTIME,
    spawn::FORK_EXEC,
    threads::FUTEX_PINGPONG,
    threads::PTHREAD_CREATE,
    signal::SIGNAL_LATENCY,
    unix::UNIX_THROUGHPUT,
    network::TCP_RTT,
    network::TCP_THROUGHPUT,
    shell::SHELL_LOOP,
    shell::FILE_HEAVY,
    dynamic::MAKE,
];

/// One benchmark: a program, how it is measured, and the target it is judged by.
pub struct Case {
    /// Key for `--only`, and the start of the row labels.
    pub name: &'static str,
    /// Label of the table row(s).
    pub label: &'static str,
    /// What it measures, one line (printed under the table).
    pub what: &'static str,
    /// The program run.
    pub program: Exe,
    /// Arguments passed to the program (after the iteration count of a
    /// [`Metric::PerOp`] case).
    pub args: &'static [Arg],
    /// How it is measured.
    pub metric: Metric,
    /// The speed target the summary line judges.
    pub target: Target,
}

/// The executable a case runs.
pub enum Exe {
    /// A program of `tools/bench/`, built at bench time.
    Built(&'static Program),
    /// A program of the host, by absolute path; the case cannot be measured
    /// (every column is `n/a`) where it is missing.
    Host(&'static str),
}

/// An argument passed to a case's program.
pub enum Arg {
    /// This string.
    Lit(&'static str),
    /// The path of a program of `tools/bench/`, built at bench time.
    Program(&'static Program),
}

/// The speed target a case is judged by in the summary line.
pub enum Target {
    /// The sandbox/native ratio of the headline value is at most this.
    RatioAtMost(f64),
    /// The sandboxed headline value is below this many milliseconds.
    SandboxBelowMs {
        /// The limit.
        max_ms: f64,
        /// Start of the summary fragment, e.g. "static true starts+exits".
        phrase: &'static str,
    },
    /// The sandbox's throughput is at least this fraction of native: for
    /// a headline value that is a time per unit of work, native/sandbox.
    ThroughputAtLeast(f64),
    /// No target: the ratio is reported for information.
    Report,
    /// The sandboxed headline value is no higher than a peer's.
    NoSlowerThanPeer {
        /// The peer's column header, e.g. "proot".
        peer: &'static str,
        /// Start of the summary fragment, e.g. "dynamic true starts+exits".
        phrase: &'static str,
    },
    /// The sandboxed headline value (a percentage of one core) is below this.
    SandboxBelowPercent {
        /// The limit.
        max_pct: f64,
        /// Start of the summary fragment, e.g. "idle sentry+stubs".
        phrase: &'static str,
    },
}

/// The cases `--only` names (all if it names none), in table order; an
/// unknown name is an error listing the known ones.
pub fn select(only: &[String]) -> Result<Vec<&'static Case>, String> {
    if let Some(unknown) = only
        .iter()
        .find(|want| !ALL.iter().any(|c| c.name == *want))
    {
        let names: Vec<&str> = ALL.iter().map(|c| c.name).collect();
        return Err(format!(
            "unknown case `{unknown}` for --only; cases are: {}",
            names.join(", ")
        ));
    }
    Ok(ALL
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|w| w == c.name))
        .collect())
}

impl Case {
    /// The programs of `tools/bench/` this case needs built: the one it runs
    /// and those it passes as arguments.
    pub fn programs(&self) -> impl Iterator<Item = &'static Program> + '_ {
        let own = match self.program {
            Exe::Built(program) => Some(program),
            Exe::Host(_) => None,
        };
        let passed = self.args.iter().filter_map(|a| match a {
            Arg::Program(program) => Some(*program),
            Arg::Lit(_) => None,
        });
        own.into_iter().chain(passed)
    }

    /// The executable this case runs, its programs built in `bin_dir`, or
    /// why it cannot run here.
    pub fn executable(&self, bin_dir: &Path) -> Result<PathBuf, String> {
        match self.program {
            Exe::Built(program) => Ok(program.path(bin_dir)),
            Exe::Host(path) if is_executable(Path::new(path)) => Ok(PathBuf::from(path)),
            Exe::Host(path) => Err(format!("{path} is not installed (scripts/install-deps.sh installs it)")),
        }
    }

    /// This case's arguments as strings, its programs built in `bin_dir`.
    pub fn resolved_args(&self, bin_dir: &Path) -> Vec<String> {
        self.args
            .iter()
            .map(|a| match a {
                Arg::Lit(s) => (*s).to_owned(),
                Arg::Program(program) => program.path(bin_dir).to_string_lossy().into_owned(),
            })
            .collect()
    }
}
