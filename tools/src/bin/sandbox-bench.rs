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
//! Adding a case: add its C source to `tools/bench/` (a timing program
//! includes `bench.h` for its loop and output line) and to [`PROGRAMS`], and
//! an entry to [`cases`]. A case may also run a program of the host (such as
//! `/bin/busybox`, see [`Exe::Host`]) and pass the paths of built programs
//! as arguments ([`Arg::Program`]).

use std::collections::HashMap;
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use clap::Parser;

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

/// A C micro-benchmark program from `tools/bench/`, compiled at bench time.
struct Program {
    /// File stem: `tools/bench/<name>.c`, compiled to `<bin-dir>/<name>`.
    name: &'static str,
    /// The C source, embedded so the binary works from any directory.
    source: &'static str,
}

/// Every program in `tools/bench/`.
const PROGRAMS: &[Program] = &[
    Program {
        name: "getppid",
        source: include_str!("../../bench/getppid.c"),
    },
    Program {
        name: "check",
        source: include_str!("../../bench/check.c"),
    },
    Program {
        name: "true",
        source: include_str!("../../bench/true.c"),
    },
    Program {
        name: "clock_gettime",
        source: include_str!("../../bench/clock_gettime.c"),
    },
    Program {
        name: "idle",
        source: include_str!("../../bench/idle.c"),
    },
    Program {
        name: "spawn",
        source: include_str!("../../bench/spawn.c"),
    },
    Program {
        name: "futex_pingpong",
        source: include_str!("../../bench/futex_pingpong.c"),
    },
    Program {
        name: "pthread_create",
        source: include_str!("../../bench/pthread_create.c"),
    },
    Program {
        name: "signal_latency",
        source: include_str!("../../bench/signal_latency.c"),
    },
];

/// Debian's static busybox, whose shell the `shell-loop` case runs.
const BUSYBOX: &str = "/bin/busybox";

/// The `shell-loop` script: 100 iterations of two fork+execs each.
const SHELL_LOOP: &str =
    "i=0; while [ $i -lt 100 ]; do /bin/busybox true; /bin/busybox true; i=$((i+1)); done";

/// The file-heavy script of the tests (`tests/scripts/file_heavy.sh`): it
/// makes a tree of a few hundred files in `$1` and copies, renames, links,
/// lists, finds, sorts, tars and gzips it.
const FILE_HEAVY: &str = include_str!("../../../tests/scripts/file_heavy.sh");

/// The `file-heavy` case's command: the script (its `$1`) in a new
/// directory in `/dev/shm`, removed afterwards. That is a tmpfs natively
/// as in the sandbox, so both sides keep the files in memory (the host's
/// `/tmp` may be a disk, whose unlinks alone can take longer than the
/// whole sandboxed run).
const FILE_HEAVY_RUN: &str =
    "d=$(mktemp -d -p /dev/shm) || exit 1; sh -c \"$1\" sh \"$d\" >/dev/null; s=$?; rm -rf \"$d\"; exit $s";

/// The header the timing programs share (`tools/bench/bench.h`: the clock,
/// the iteration count argument, the timing loop and the `ns_per_op` line),
/// written next to their sources before any is compiled.
const BENCH_H: &str = include_str!("../../bench/bench.h");

/// The file name [`BENCH_H`] is written to, as the programs include it.
const BENCH_H_NAME: &str = "bench.h";

/// The compiler and flags every program is built with.
const CC: &str = "gcc";
/// See [`CC`].
const CFLAGS: &[&str] = &["-O2", "-static"];

/// One benchmark: a program, how it is measured, and the target it is judged by.
struct Case {
    /// Key for `--only`, and the start of the row labels.
    name: &'static str,
    /// Label of the table row(s).
    label: &'static str,
    /// What it measures, one line (printed under the table).
    what: &'static str,
    /// The program run.
    program: Exe,
    /// How it is measured.
    metric: Metric,
    /// The speed target the summary line judges.
    target: Target,
}

/// The executable a case runs.
#[derive(Clone, Copy)]
enum Exe {
    /// A program of [`PROGRAMS`], built at bench time (a [`Program::name`]).
    Built(&'static str),
    /// A program of the host, by absolute path; the case cannot be measured
    /// (every column is `n/a`) where it is missing.
    Host(&'static str),
}

/// An argument passed to a case's program.
#[derive(Clone, Copy)]
enum Arg {
    /// This string.
    Lit(&'static str),
    /// The path of a program of [`PROGRAMS`] (a [`Program::name`]), built
    /// at bench time.
    Program(&'static str),
}

/// How many timed runs a [`Metric::Wall`] case makes per column, when not
/// [`Budget::wall_runs`] (for cases whose runs are long).
#[derive(Clone, Copy)]
struct WallRuns {
    /// In a full run.
    full: usize,
    /// With `--quick`.
    quick: usize,
}

/// How a case is measured.
enum Metric {
    /// The program takes an iteration count as its only argument and prints a
    /// line `ns_per_op N`; the best (minimum) over several runs is kept.
    ///
    /// Short calibration runs per column first pick the iteration count:
    /// enough for [`Budget::per_op_run_time`], at most the count given here.
    /// So a slow peer (proot's ptrace costs ~100 us a call) does not stretch
    /// the bench to minutes, and the calibration doubles as a warm-up.
    PerOp {
        /// Most iterations per native run.
        native_iters: u64,
        /// Most iterations per run under a sandbox (the sandbox or a peer).
        sandboxed_iters: u64,
        /// Fewest iterations per run, unless a twentieth of the most is
        /// more: so that a probe slowed by a noisy neighbour does not
        /// shrink the runs too far.
        least_iters: u64,
        /// Arguments passed after the iteration count.
        args: &'static [Arg],
    },
    /// Wall time from spawn to exit as seen by the parent, over many runs;
    /// median and mean are reported.
    Wall {
        /// Arguments passed to the program.
        args: &'static [Arg],
        /// Timed runs per column; `None` for [`Budget::wall_runs`].
        runs: Option<WallRuns>,
    },
    /// CPU use of a program that waits: it prints `idle ready`, blocks in
    /// `read(0)` on a pipe the bench holds open and silent, and exits 0
    /// after printing `idle eof` once the pipe is closed. After
    /// [`Budget::idle_settle`], the CPU time (utime+stime, plus that of
    /// reaped children, from `/proc/PID/stat`) of the process and all its
    /// descendants is sampled over [`Budget::idle_window`]; the value is the
    /// percentage of one core. Every column runs at once (one window for
    /// all): CPU time is accounted per process, so they do not disturb each
    /// other's numbers, and the case costs one window, not one per column.
    Idle {
        /// Arguments passed to the program (`sleep`: it sleeps through the
        /// window before it reads).
        args: &'static [Arg],
    },
}

/// The speed target a case is judged by in the summary line.
enum Target {
    /// The sandbox/native ratio of the headline value is at most this.
    RatioAtMost(f64),
    /// The sandboxed headline value is below this many milliseconds.
    SandboxBelowMs {
        /// The limit.
        max_ms: f64,
        /// Start of the summary fragment, e.g. "static true starts+exits".
        phrase: &'static str,
    },
    /// No target: the ratio is reported for information.
    Report,
    /// The sandboxed headline value (a percentage of one core) is below this.
    SandboxBelowPercent {
        /// The limit.
        max_pct: f64,
        /// Start of the summary fragment, e.g. "idle sentry+stubs".
        phrase: &'static str,
    },
}

/// The benchmark cases, in table order.
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "getppid",
            label: "getppid",
            what: "syscall(SYS_getppid) round trip, ns per call",
            program: Exe::Built("getppid"),
            metric: Metric::PerOp {
                native_iters: 2_000_000,
                sandboxed_iters: 200_000,
                least_iters: 1000,
                args: &[],
            },
            target: Target::RatioAtMost(15.0),
        },
        Case {
            name: "startup",
            label: "true startup",
            what: "spawn to exit of a static `true`, wall time seen by the parent",
            program: Exe::Built("true"),
            metric: Metric::Wall {
                args: &[],
                runs: None,
            },
            target: Target::SandboxBelowMs {
                max_ms: 20.0,
                phrase: "static true starts+exits",
            },
        },
        Case {
            name: "idle",
            label: "idle CPU",
            what: "a static program blocked in read(0) on a silent pipe: CPU time of its whole \
                   process tree (sandbox: sandbox-exec, i.e. the sentry, plus its stub child \
                   processes), % of one core",
            program: Exe::Built("idle"),
            metric: Metric::Idle { args: &[] },
            target: Target::SandboxBelowPercent {
                max_pct: 1.0,
                phrase: "idle sentry+stubs",
            },
        },
        Case {
            name: "idle-sleep",
            label: "idle CPU, asleep",
            what: "a static program in one 6 s nanosleep: CPU time of its whole process tree, \
                   % of one core (the sandbox's CPU clock ticker must be off)",
            program: Exe::Built("idle"),
            metric: Metric::Idle {
                args: &[Arg::Lit("sleep")],
            },
            target: Target::SandboxBelowPercent {
                max_pct: 1.0,
                phrase: "sleeping sentry+stubs",
            },
        },
        Case {
            name: "clock_gettime",
            label: "clock_gettime",
            what: "clock_gettime(CLOCK_MONOTONIC) through libc, ns per call (native: the vDSO)",
            program: Exe::Built("clock_gettime"),
            metric: Metric::PerOp {
                native_iters: 20_000_000,
                sandboxed_iters: 200_000,
                least_iters: 1000,
                args: &[],
            },
            target: Target::Report,
        },
        Case {
            name: "fork-exec",
            label: "fork+exec+wait",
            what: "fork, execve of a static `true` in the child, waitpid in the parent; time per \
                   iteration, in one process",
            program: Exe::Built("spawn"),
            metric: Metric::PerOp {
                native_iters: 4_000,
                sandboxed_iters: 1_000,
                least_iters: 20,
                args: &[Arg::Program("true")],
            },
            target: Target::RatioAtMost(5.0),
        },
        Case {
            name: "futex-pingpong",
            label: "futex ping-pong",
            what: "two threads handing a turn back and forth through FUTEX_WAIT/FUTEX_WAKE; \
                   time per round (two hand-offs)",
            program: Exe::Built("futex_pingpong"),
            metric: Metric::PerOp {
                native_iters: 200_000,
                sandboxed_iters: 50_000,
                least_iters: 200,
                args: &[],
            },
            target: Target::RatioAtMost(10.0),
        },
        Case {
            name: "pthread-create",
            label: "pthread create+join",
            what: "pthread_create of a thread that returns at once, then pthread_join; time per \
                   pair",
            program: Exe::Built("pthread_create"),
            metric: Metric::PerOp {
                native_iters: 20_000,
                sandboxed_iters: 2_000,
                least_iters: 20,
                args: &[],
            },
            target: Target::Report,
        },
        Case {
            name: "signal-latency",
            label: "signal to a spinning process",
            what: "kill() from a parent to the first instruction of the handler of a child \
                   spinning in app code with no system calls; the worst of a run's signals",
            program: Exe::Built("signal_latency"),
            metric: Metric::PerOp {
                native_iters: 2_000,
                sandboxed_iters: 500,
                least_iters: 50,
                args: &[],
            },
            target: Target::SandboxBelowMs {
                max_ms: 10.0,
                phrase: "a spinning process takes a signal",
            },
        },
        Case {
            name: "shell-loop",
            label: "shell loop",
            what: "busybox sh -c 'i=0; while [ $i -lt 100 ]; do /bin/busybox true; \
                   /bin/busybox true; i=$((i+1)); done' (200 fork+execs), wall time of the \
                   whole command",
            program: Exe::Host(BUSYBOX),
            metric: Metric::Wall {
                args: &[Arg::Lit("sh"), Arg::Lit("-c"), Arg::Lit(SHELL_LOOP)],
                runs: Some(WallRuns { full: 20, quick: 5 }),
            },
            target: Target::RatioAtMost(3.0),
        },
        Case {
            name: "file-heavy",
            label: "file-heavy script",
            what: "tests/scripts/file_heavy.sh under busybox sh in a new directory in /dev/shm: \
                   300 files made, copied, renamed, linked, listed, found, sorted, tarred and \
                   gzipped (about 110 forks and 20 execs), wall time of the whole command",
            program: Exe::Host(BUSYBOX),
            metric: Metric::Wall {
                args: &[Arg::Lit("sh"), Arg::Lit("-c"), Arg::Lit(FILE_HEAVY_RUN), Arg::Lit("sh"), Arg::Lit(FILE_HEAVY)],
                runs: Some(WallRuns { full: 10, quick: 3 }),
            },
            target: Target::RatioAtMost(3.0),
        },
    ]
}

/// How much work a run does: full, or `--quick`.
struct Budget {
    /// Whether this is the `--quick` budget.
    quick: bool,
    /// Runs per [`Metric::PerOp`] case and column (the best is kept).
    per_op_runs: usize,
    /// Divisor applied to [`Metric::PerOp`] iteration counts.
    iter_divisor: u64,
    /// Aimed-for duration of one [`Metric::PerOp`] run.
    per_op_run_time: Duration,
    /// Timed runs per [`Metric::Wall`] case and column (after one warm-up).
    wall_runs: usize,
    /// Limit on a single run before it is killed and reported as failed.
    timeout: Duration,
    /// [`Metric::Idle`]: wait after the program is ready, before sampling.
    idle_settle: Duration,
    /// [`Metric::Idle`]: the window CPU time is sampled over.
    idle_window: Duration,
}

impl Budget {
    /// The budget for a full run or a `--quick` one.
    fn new(quick: bool) -> Self {
        if quick {
            Budget {
                quick: true,
                per_op_runs: 3,
                iter_divisor: 2,
                per_op_run_time: Duration::from_millis(300),
                wall_runs: 20,
                timeout: Duration::from_secs(10),
                idle_settle: Duration::from_millis(500),
                idle_window: Duration::from_secs(2),
            }
        } else {
            Budget {
                quick: false,
                per_op_runs: 5,
                iter_divisor: 1,
                per_op_run_time: Duration::from_secs(1),
                wall_runs: 50,
                timeout: Duration::from_secs(120),
                idle_settle: Duration::from_millis(500),
                idle_window: Duration::from_secs(5),
            }
        }
    }
}

impl Metric {
    /// Row label suffixes; one table row per entry.
    fn rows(&self) -> &'static [&'static str] {
        match self {
            Metric::PerOp { .. } | Metric::Idle { .. } => &[""],
            Metric::Wall { .. } => &[" median", " mean"],
        }
    }

    /// Index of the row the target is judged on.
    fn headline(&self) -> usize {
        match self {
            Metric::PerOp { .. } | Metric::Idle { .. } => 0,
            // The mean is the conservative one: it includes the slow outliers.
            Metric::Wall { .. } => 1,
        }
    }

    /// Unit the values are shown in.
    fn unit(&self) -> Unit {
        match self {
            Metric::PerOp { .. } => Unit::Ns,
            Metric::Wall { .. } => Unit::Ms,
            Metric::Idle { .. } => Unit::Percent,
        }
    }

    /// Number of timed runs per column.
    fn runs(&self, budget: &Budget) -> usize {
        match self {
            Metric::PerOp { .. } => budget.per_op_runs,
            Metric::Wall { runs: None, .. } => budget.wall_runs,
            Metric::Wall {
                runs: Some(runs), ..
            } => {
                if budget.quick {
                    runs.quick
                } else {
                    runs.full
                }
            }
            Metric::Idle { .. } => 1,
        }
    }

    /// The arguments given to the program (after the iteration count of a
    /// [`Metric::PerOp`] case).
    fn args(&self) -> &'static [Arg] {
        match self {
            Metric::PerOp { args, .. } | Metric::Wall { args, .. } | Metric::Idle { args } => args,
        }
    }

    /// Reduces the samples (nanoseconds) of one column to one value per row.
    fn reduce(&self, samples: &[f64]) -> Vec<f64> {
        match self {
            Metric::PerOp { .. } | Metric::Idle { .. } => {
                vec![samples.iter().copied().fold(f64::INFINITY, f64::min)]
            }
            Metric::Wall { .. } => {
                let mut sorted = samples.to_vec();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len();
                let median = if n % 2 == 1 {
                    sorted[n / 2]
                } else {
                    (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
                };
                let mean = sorted.iter().sum::<f64>() / n as f64;
                vec![median, mean]
            }
        }
    }

    /// Whether a ratio to native means anything (not for CPU use, where
    /// native is about 0).
    fn has_ratio(&self) -> bool {
        !matches!(self, Metric::Idle { .. })
    }
}

/// Display unit of a value (values are kept in nanoseconds).
#[derive(Clone, Copy)]
enum Unit {
    /// Nanoseconds.
    Ns,
    /// Milliseconds.
    Ms,
    /// Percent of one CPU core (the value is the percentage itself).
    Percent,
}

impl Unit {
    /// Formats `ns` nanoseconds in this unit.
    fn format(self, ns: f64) -> String {
        match self {
            Unit::Ns if ns < 10.0 => format!("{ns:.1} ns"),
            Unit::Ns if ns < 100_000.0 => format!("{ns:.0} ns"),
            Unit::Ns => format!("{:.1} us", ns / 1e3),
            Unit::Ms => format!("{:.2} ms", ns / 1e6),
            Unit::Percent => format!("{ns:.2}%"),
        }
    }
}

/// Formats a ratio such as `14.0x`.
fn format_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}x")
    } else {
        format!("{r:.1}x")
    }
}

/// Which column a runner fills.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The native baseline.
    Native,
    /// `sandbox-exec` as it runs by default (hot syscall sites patched),
    /// the thing under test; targets are judged on this column.
    Sandbox,
    /// `sandbox-exec --no-patch`: every system call on the SIGSYS signal
    /// path. Also under test (a failure fails the bench), shown for
    /// comparison, not judged.
    SandboxNoPatch,
    /// A peer sandbox for comparison.
    Peer,
}

/// A way of running a program: natively, under `sandbox-exec`, or a peer.
struct Runner {
    /// Column header.
    name: &'static str,
    /// Which column this is.
    role: Role,
    /// Command placed before `PROGRAM ARGS` (empty for native).
    prefix: Vec<OsString>,
    /// Why this runner cannot run at all, if it cannot.
    unavailable: Option<String>,
}

impl Runner {
    /// Builds the command that runs `program args` this way.
    fn command(&self, program: &Path, args: &[String]) -> Command {
        let mut cmd = match self.prefix.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(program);
                c
            }
            None => Command::new(program),
        };
        cmd.args(args);
        cmd
    }
}

/// Finds an executable `name` on `PATH`.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// Whether `p` is an executable regular file.
fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The columns of this run: native, sandbox, then the installed peers.
fn runners(sandbox_exec: &Path, peers: bool) -> Vec<Runner> {
    let missing = (!is_executable(sandbox_exec)).then(|| {
        format!(
            "sandbox-exec not found or not executable at {} (build it with \
             `cargo build --release -p tools`, or pass --sandbox-exec PATH)",
            sandbox_exec.display()
        )
    });
    let mut v = vec![
        Runner {
            name: "native",
            role: Role::Native,
            prefix: vec![],
            unavailable: None,
        },
        Runner {
            name: "sandbox",
            role: Role::Sandbox,
            prefix: vec![sandbox_exec.as_os_str().to_owned()],
            unavailable: missing.clone(),
        },
        Runner {
            name: "sandbox --no-patch",
            role: Role::SandboxNoPatch,
            prefix: vec![sandbox_exec.as_os_str().to_owned(), "--no-patch".into()],
            unavailable: missing,
        },
    ];
    if peers {
        if let Some(proot) = which("proot") {
            v.push(Runner {
                name: "proot",
                role: Role::Peer,
                prefix: vec![proot.into()],
                unavailable: None,
            });
        }
        if let Some(runsc) = which("runsc") {
            v.push(Runner {
                name: "runsc",
                role: Role::Peer,
                prefix: vec![
                    runsc.into(),
                    "--rootless".into(),
                    "--network=none".into(),
                    "do".into(),
                ],
                unavailable: None,
            });
        }
    }
    v
}

/// Kills runs that exceed their timeout. One thread serves the whole bench,
/// so the timed path pays only a channel send per run.
struct Watchdog {
    /// Arms (`Some((process group, deadline))`) or disarms (`None`) the timer.
    tx: mpsc::Sender<Option<(u32, Instant)>>,
    /// Set when the watchdog killed the armed run.
    fired: Arc<AtomicBool>,
}

impl Watchdog {
    /// Starts the watchdog thread.
    fn start() -> Self {
        let (tx, rx) = mpsc::channel::<Option<(u32, Instant)>>();
        let fired = Arc::new(AtomicBool::new(false));
        let fired2 = Arc::clone(&fired);
        std::thread::spawn(move || {
            let mut armed: Option<(u32, Instant)> = None;
            loop {
                let msg = match armed {
                    Some((_, deadline)) => {
                        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    }
                    None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                };
                match msg {
                    Ok(m) => armed = m,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Some((pgid, _)) = armed.take() {
                            fired2.store(true, Ordering::SeqCst);
                            // The run is in its own process group: kill all of
                            // it, so no straggler keeps the output pipes open.
                            let _ = Command::new("kill")
                                .args(["-KILL", "--", &format!("-{pgid}")])
                                .stderr(Stdio::null())
                                .status();
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        });
        Watchdog { tx, fired }
    }
}

/// The outcome of one finished run.
struct Run {
    /// Spawn to exit, as seen by the parent.
    elapsed: Duration,
    /// How it ended.
    status: ExitStatus,
    /// What it printed on stdout.
    stdout: String,
    /// What it printed on stderr.
    stderr: Vec<u8>,
}

/// Runs `program args` once with `runner`, timing it from spawn to exit.
/// A non-zero exit, a signal or a timeout is an error describing it.
fn run_once(
    runner: &Runner,
    program: &Path,
    args: &[String],
    budget: &Budget,
    watchdog: &Watchdog,
) -> Result<Run, String> {
    let run = run_timed(runner, program, args, budget, watchdog)?;
    if !run.status.success() {
        return Err(format!(
            "{} run failed: {}, stderr: {}",
            runner.name,
            describe_status(run.status),
            snippet(&run.stderr)
        ));
    }
    Ok(run)
}

/// Runs `program args` once with `runner`, timing it from spawn to exit,
/// whatever its exit status. Failing to start and timing out are errors.
fn run_timed(
    runner: &Runner,
    program: &Path,
    args: &[String],
    budget: &Budget,
    watchdog: &Watchdog,
) -> Result<Run, String> {
    let mut cmd = runner.command(program, args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    watchdog.fired.store(false, Ordering::SeqCst);
    let start = Instant::now();
    let child = cmd.spawn().map_err(|e| {
        format!(
            "{} run failed: cannot start {}: {e}",
            runner.name,
            cmd.get_program().to_string_lossy()
        )
    })?;
    let _ = watchdog.tx.send(Some((child.id(), start + budget.timeout)));
    let out = child.wait_with_output();
    let elapsed = start.elapsed();
    let _ = watchdog.tx.send(None);
    let out = out.map_err(|e| format!("{} run failed: waiting for it: {e}", runner.name))?;
    if watchdog.fired.load(Ordering::SeqCst) {
        return Err(format!(
            "{} run failed: timed out after {} s and was killed, stderr: {}",
            runner.name,
            budget.timeout.as_secs(),
            snippet(&out.stderr)
        ));
    }
    Ok(Run {
        elapsed,
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: out.stderr,
    })
}

/// Runs the `check` program once with `runner`. Returns `Err` if the runner
/// does not really run programs (no expected output: its numbers would be
/// meaningless), and `Ok(Some(warning))` if it runs them but does not
/// forward the exit status.
fn check_runner(
    runner: &Runner,
    check: &Path,
    budget: &Budget,
    watchdog: &Watchdog,
) -> Result<Option<String>, String> {
    const EXPECT_OUT: &str = "check ok: hello world";
    const EXPECT_EXIT: i32 = 42;
    let args = ["hello".to_owned(), "world".to_owned()];
    let run = run_timed(runner, check, &args, budget, watchdog)?;
    if run.stdout.trim_end() != EXPECT_OUT {
        return Err(format!(
            "{} run failed: {}, stderr: {}, stdout: {} (the sanity check \
             `check hello world` should print \"{EXPECT_OUT}\" and exit {EXPECT_EXIT})",
            runner.name,
            describe_status(run.status),
            snippet(&run.stderr),
            snippet(run.stdout.as_bytes())
        ));
    }
    if run.status.code() != Some(EXPECT_EXIT) {
        return Ok(Some(format!(
            "{} does not forward the exit status: `check` exits {EXPECT_EXIT}, got {}",
            runner.name,
            describe_status(run.status)
        )));
    }
    Ok(None)
}

/// "exit N" or "killed by signal N".
fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => status.to_string(),
    }
}

/// The tail of some output, trimmed, for an error message.
fn snippet(bytes: &[u8]) -> String {
    const MAX: usize = 800;
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return "(empty)".to_owned();
    }
    let start = text
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| text.len() - i <= MAX)
        .unwrap_or(0);
    let tail = &text[start..];
    let tail = if start > 0 {
        format!("...{tail}")
    } else {
        tail.to_owned()
    };
    tail.replace('\n', "\n    ")
}

/// One sample (nanoseconds) of `case` with `runner`; `iters` is the
/// iteration count of a [`Metric::PerOp`] case (ignored otherwise), `args`
/// the case's arguments, resolved.
fn sample(
    case: &Case,
    runner: &Runner,
    program: &Path,
    args: &[String],
    iters: u64,
    budget: &Budget,
    watchdog: &Watchdog,
) -> Result<f64, String> {
    match case.metric {
        Metric::PerOp { .. } => {
            let mut all = vec![iters.to_string()];
            all.extend_from_slice(args);
            let run = run_once(runner, program, &all, budget, watchdog)?;
            let value = run
                .stdout
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("ns_per_op "))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0);
            value.ok_or_else(|| {
                format!(
                    "{} run failed: exit 0 but no `ns_per_op N` line in stdout: {}",
                    runner.name,
                    snippet(run.stdout.as_bytes())
                )
            })
        }
        Metric::Wall { .. } => {
            let run = run_once(runner, program, args, budget, watchdog)?;
            Ok(run.elapsed.as_nanos() as f64)
        }
        Metric::Idle { .. } => Err(format!(
            "{} run failed: the idle case is measured by measure_idle, not sampled",
            runner.name
        )),
    }
}

/// Rounds `n` down to two significant digits (for readable iteration counts).
fn round_2_digits(n: u64) -> u64 {
    let mut scale = 1;
    while n / scale >= 100 {
        scale *= 10;
    }
    n / scale * scale
}

/// Per-column outcome of a case: one value per row, or why there is none.
type Outcome = Result<Vec<f64>, String>;

/// Measures `case` in every column, interleaving the runs round-robin;
/// `program` is its executable, or why it has none (then every column is
/// `n/a` for that reason), and `args` its arguments, resolved.
/// Returns one outcome per column and a line describing how it was measured.
fn measure(
    case: &Case,
    runners: &[Runner],
    program: Result<&Path, &str>,
    args: &[String],
    budget: &Budget,
    watchdog: &Watchdog,
) -> (Vec<Outcome>, String) {
    let program = match program {
        Ok(p) => p,
        Err(why) => {
            let outcomes = runners
                .iter()
                .map(|r| Err(format!("{} run failed: {why}", r.name)))
                .collect();
            return (outcomes, "not measured".to_owned());
        }
    };
    if let Metric::Idle { .. } = case.metric {
        return measure_idle(case, runners, program, args, budget);
    }
    let mut samples: Vec<Result<Vec<f64>, String>> = runners
        .iter()
        .map(|r| match &r.unavailable {
            Some(why) => Err(why.clone()),
            None => Ok(Vec::new()),
        })
        .collect();
    let runs = case.metric.runs(budget);
    let mut iters = vec![0u64; runners.len()];
    let warmup;
    let how;
    match case.metric {
        Metric::PerOp {
            native_iters,
            sandboxed_iters,
            least_iters,
            ..
        } => {
            // Calibrate each column with a short run (also a warm-up), then
            // size its runs to the time budget, within the configured most.
            let mut chosen = Vec::new();
            for (i, (runner, slot)) in runners.iter().zip(samples.iter_mut()).enumerate() {
                if slot.is_err() {
                    continue;
                }
                let most = if runner.role == Role::Native {
                    native_iters
                } else {
                    sandboxed_iters
                };
                let most = (most / budget.iter_divisor).max(1);
                // A floor keeps a probe slowed by a noisy neighbour from
                // shrinking the runs too far.
                let least = most.min((most / 20).max(least_iters));
                let probe = (most / 100).clamp(least, most);
                // The best of three probes, so one slowed by noise does not
                // set the size.
                let probed = (0..3).try_fold(f64::INFINITY, |best, _| {
                    sample(case, runner, program, args, probe, budget, watchdog)
                        .map(|v| best.min(v))
                });
                match probed {
                    Ok(ns) => {
                        let fit = budget.per_op_run_time.as_nanos() as f64 / ns.max(1.0);
                        iters[i] = round_2_digits((fit as u64).clamp(least, most));
                        chosen.push(format!("{} {}", runner.name, iters[i]));
                    }
                    Err(e) => *slot = Err(e),
                }
            }
            warmup = 0;
            how = format!("best of {runs} runs; iterations: {}", chosen.join(", "));
        }
        Metric::Wall { .. } => {
            // One untimed warm-up run per column (page cache, first exec).
            warmup = 1;
            how = format!("{runs} runs after 1 warm-up");
        }
        Metric::Idle { .. } => unreachable!("handled above"),
    }
    for round in 0..warmup + runs {
        for (i, (runner, slot)) in runners.iter().zip(samples.iter_mut()).enumerate() {
            let Ok(list) = slot else { continue };
            match sample(case, runner, program, args, iters[i], budget, watchdog) {
                Ok(v) if round >= warmup => list.push(v),
                Ok(_) => {}
                Err(e) => *slot = Err(e),
            }
        }
    }
    let unit = case.metric.unit();
    let outcomes = runners
        .iter()
        .zip(samples)
        .map(|(runner, s)| {
            let s = s?;
            let shown: Vec<String> = s.iter().map(|&v| unit.format(v)).collect();
            let shown = if shown.len() > 8 {
                format!("{} values", shown.len())
            } else {
                shown.join(", ")
            };
            let reduced = case.metric.reduce(&s);
            let reduced_str: Vec<String> = reduced.iter().map(|&v| unit.format(v)).collect();
            eprintln!(
                "  {:<8} {}: {} -> {}",
                runner.name,
                case.name,
                shown,
                reduced_str.join(" / ")
            );
            Ok(reduced)
        })
        .collect();
    (outcomes, how)
}

/// A program of the [`Metric::Idle`] case, started and not yet reaped.
struct IdleRun {
    /// The process (the root of the tree whose CPU time is sampled).
    child: Child,
    /// The write end of its standard input: held open, never written;
    /// dropping it is the program's EOF.
    stdin: Option<ChildStdin>,
    /// Lines of its standard output, as they come.
    lines: mpsc::Receiver<String>,
    /// All of its standard error, once it is closed.
    stderr: mpsc::Receiver<Vec<u8>>,
}

impl IdleRun {
    /// Starts `program` with `args` with `runner`, stdin a pipe, in its
    /// own process group.
    fn start(runner: &Runner, program: &Path, args: &[String]) -> Result<IdleRun, String> {
        let mut cmd = runner.command(program, args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn().map_err(|e| {
            format!(
                "{} run failed: cannot start {}: {e}",
                runner.name,
                cmd.get_program().to_string_lossy()
            )
        })?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let (line_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            let _ = err_tx.send(buf);
        });
        Ok(IdleRun {
            child,
            stdin,
            lines,
            stderr: err_rx,
        })
    }

    /// Kills the whole process group and reaps the process; returns its
    /// standard error (what there is of it).
    fn kill(&mut self) -> String {
        // SAFETY: kill(2) on the process group this run leads.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        self.stdin.take();
        let _ = self.child.wait();
        snippet(
            &self
                .stderr
                .recv_timeout(Duration::from_secs(1))
                .unwrap_or_default(),
        )
    }
}

/// CPU time, in clock ticks, of process `root` and all its descendants:
/// utime+stime+cutime+cstime of each (fields 14 to 17 of `/proc/PID/stat`;
/// the `c` fields hold children already reaped, so a stub that exits in the
/// window still counts), and how many processes that is.
fn tree_cpu_ticks(root: u32) -> Result<(u64, usize), String> {
    let mut procs: HashMap<u32, (u32, u64)> = HashMap::new();
    let dir = std::fs::read_dir("/proc").map_err(|e| format!("cannot read /proc: {e}"))?;
    for entry in dir.filter_map(Result::ok) {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and ')'.
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        // Fields from 3 (state) on; field N is at index N - 3.
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
        let (Some(ppid), Some(ut), Some(st), Some(cut), Some(cst)) =
            (field(4), field(14), field(15), field(16), field(17))
        else {
            continue;
        };
        procs.insert(pid, (ppid as u32, ut + st + cut + cst));
    }
    if !procs.contains_key(&root) {
        return Err(format!("process {root} is gone from /proc"));
    }
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (&pid, &(ppid, _)) in &procs {
        children.entry(ppid).or_default().push(pid);
    }
    let (mut ticks, mut count) = (0, 0);
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        ticks += procs.get(&pid).map_or(0, |p| p.1);
        count += 1;
        todo.extend(children.get(&pid).into_iter().flatten());
    }
    Ok((ticks, count))
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, as `getconf CLK_TCK`).
fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz as f64
    } else {
        100.0
    }
}

/// Measures a [`Metric::Idle`] case: every column at once, one window.
fn measure_idle(
    case: &Case,
    runners: &[Runner],
    program: &Path,
    args: &[String],
    budget: &Budget,
) -> (Vec<Outcome>, String) {
    let hz = clock_ticks_per_second();
    let deadline = Instant::now() + budget.timeout;
    let mut runs: Vec<Result<IdleRun, String>> = runners
        .iter()
        .map(|r| match &r.unavailable {
            Some(why) => Err(why.clone()),
            None => IdleRun::start(r, program, args),
        })
        .collect();
    // Every program must say it is about to block before the clock starts.
    for (runner, slot) in runners.iter().zip(runs.iter_mut()) {
        let Ok(run) = slot else { continue };
        let left = deadline.saturating_duration_since(Instant::now());
        match run.lines.recv_timeout(left) {
            Ok(line) if line == "idle ready" => {}
            got => {
                let what = match got {
                    Ok(line) => format!("printed {line:?} instead of \"idle ready\""),
                    Err(mpsc::RecvTimeoutError::Timeout) => format!(
                        "did not print \"idle ready\" within {} s",
                        budget.timeout.as_secs()
                    ),
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        "closed stdout without printing \"idle ready\"".to_owned()
                    }
                };
                let err = run.kill();
                *slot = Err(format!(
                    "{} run failed: {what}, status {}, stderr: {err}",
                    runner.name,
                    run.child
                        .try_wait()
                        .ok()
                        .flatten()
                        .map_or("unknown".to_owned(), describe_status)
                ));
            }
        }
    }
    std::thread::sleep(budget.idle_settle);
    let sample = |runs: &[Result<IdleRun, String>]| -> Vec<Result<(u64, usize, Instant), String>> {
        runs.iter()
            .map(|r| match r {
                Ok(run) => tree_cpu_ticks(run.child.id()).map(|(t, n)| (t, n, Instant::now())),
                Err(e) => Err(e.clone()),
            })
            .collect()
    };
    let before = sample(&runs);
    std::thread::sleep(budget.idle_window);
    let after = sample(&runs);

    let mut outcomes = Vec::new();
    let mut procs = Vec::new();
    for (((runner, slot), b), a) in runners.iter().zip(runs.iter_mut()).zip(before).zip(after) {
        let Ok(run) = slot else {
            outcomes.push(Err(slot.as_ref().err().cloned().unwrap_or_default()));
            continue;
        };
        // Still blocked at the end of the window? Then close its stdin: it
        // must read EOF, print "idle eof" and exit 0.
        let alive = matches!(run.child.try_wait(), Ok(None));
        run.stdin.take();
        let status = loop {
            match run.child.try_wait() {
                Ok(Some(st)) => break Ok(st),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Ok(None) => {
                    break Err(format!(
                        "timed out after {} s and was killed",
                        budget.timeout.as_secs()
                    ))
                }
                Err(e) => break Err(format!("waiting for it: {e}")),
            }
        };
        let status = match status {
            Ok(st) => st,
            Err(what) => {
                let err = run.kill();
                outcomes.push(Err(format!(
                    "{} run failed: {what}, stderr: {err}",
                    runner.name
                )));
                continue;
            }
        };
        let rest: Vec<String> = run.lines.try_iter().collect();
        let stderr = snippet(
            &run.stderr
                .recv_timeout(Duration::from_secs(2))
                .unwrap_or_default(),
        );
        let result = (|| {
            if !alive {
                return Err(format!(
                    "exited during the window ({}) instead of waiting for input",
                    describe_status(status)
                ));
            }
            if !status.success() || rest.iter().all(|l| l != "idle eof") {
                return Err(format!(
                    "{} after its stdin was closed, stdout after \"idle ready\": {:?} \
                     (expected exit 0 and \"idle eof\")",
                    describe_status(status),
                    rest
                ));
            }
            let (t0, _, i0) = b?;
            let (t1, n, i1) = a?;
            let secs = i1.duration_since(i0).as_secs_f64();
            let pct = t1.saturating_sub(t0) as f64 / hz / secs * 100.0;
            let ticks = t1.saturating_sub(t0);
            procs.push(format!(
                "{}: {n} process{}, {ticks} tick{}",
                runner.name,
                if n == 1 { "" } else { "es" },
                if ticks == 1 { "" } else { "s" }
            ));
            Ok(vec![pct])
        })()
        .map_err(|e| format!("{} run failed: {e}, stderr: {stderr}", runner.name));
        match &result {
            Ok(v) => eprintln!(
                "  {:<8} {}: {}",
                runner.name,
                case.name,
                Unit::Percent.format(v[0])
            ),
            Err(e) => eprintln!("  {:<8} {}: {e}", runner.name, case.name),
        }
        outcomes.push(result);
    }
    let window = budget.idle_window.as_secs_f64();
    let how = format!(
        "all columns at once; {:.1} s window after {:.1} s settle; 1 clock tick = {:.2}% \
         over the window; per column, processes in the tree and ticks used: {}",
        window,
        budget.idle_settle.as_secs_f64(),
        100.0 / hz / window,
        procs.join("; ")
    );
    (outcomes, how)
}

/// Compiles the programs `names` into `dir` (reusing up-to-date binaries)
/// and returns their paths, in order.
fn build_programs(dir: &Path, names: &[&str]) -> Result<Vec<PathBuf>, String> {
    match Command::new(CC).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Err(format!(
                "`{CC} --version` failed ({}): {}",
                describe_status(o.status),
                snippet(&o.stderr)
            ))
        }
        Err(e) => {
            return Err(format!(
                "cannot run `{CC}` ({e}): sandbox-bench compiles its C benchmarks at bench \
                 time; install a C compiler and static libc (Debian: apt-get install gcc libc6-dev)"
            ))
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create bench directory {}: {e}", dir.display()))?;
    let header = dir.join(BENCH_H_NAME);
    if std::fs::read_to_string(&header).map_or(true, |old| old != BENCH_H) {
        std::fs::write(&header, BENCH_H)
            .map_err(|e| format!("cannot write {}: {e}", header.display()))?;
    }
    // The flags and a fingerprint of the header are part of every cached
    // source, so changing either rebuilds. (The fingerprint may change with
    // the Rust release too: that only costs a rebuild.)
    let mut hasher = std::hash::DefaultHasher::new();
    BENCH_H.hash(&mut hasher);
    let stamp = format!(
        "/* built by sandbox-bench: {CC} {}; {BENCH_H_NAME} {:016x} */",
        CFLAGS.join(" "),
        hasher.finish()
    );
    let mut paths = Vec::new();
    for name in names {
        let program = PROGRAMS
            .iter()
            .find(|p| p.name == *name)
            .ok_or_else(|| format!("no program `{name}` in PROGRAMS"))?;
        let text = format!("{stamp}\n{}", program.source);
        let src = dir.join(format!("{name}.c"));
        let bin = dir.join(name);
        let fresh =
            std::fs::read_to_string(&src).is_ok_and(|old| old == text) && is_executable(&bin);
        if !fresh {
            std::fs::write(&src, &text)
                .map_err(|e| format!("cannot write {}: {e}", src.display()))?;
            let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
            let out = Command::new(CC)
                .args(CFLAGS)
                .arg("-o")
                .arg(&tmp)
                .arg(&src)
                .output()
                .map_err(|e| format!("cannot run {CC}: {e}"))?;
            if !out.status.success() {
                let _ = std::fs::remove_file(&tmp);
                let err = String::from_utf8_lossy(&out.stderr);
                let hint = if err.contains("cannot find -lc") || err.contains("crt1.o") {
                    "static libc is missing (Debian: apt-get install libc6-dev)"
                } else {
                    "is a C toolchain with static libc installed? (Debian: gcc, libc6-dev)"
                };
                return Err(format!(
                    "compiling {} failed ({}): {hint}\n    {}",
                    src.display(),
                    describe_status(out.status),
                    snippet(&out.stderr)
                ));
            }
            std::fs::rename(&tmp, &bin)
                .map_err(|e| format!("cannot move {} into place: {e}", bin.display()))?;
        }
        paths.push(bin);
    }
    Ok(paths)
}

/// Formats rows of cells as left-aligned columns two spaces apart.
fn render_table(rows: &[Vec<String>]) -> String {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The summary-line fragment for one case. `no_patch` is the column of
/// `sandbox-exec --no-patch`, shown next to the judged ratio, not judged.
fn summary_fragment(
    case: &Case,
    native: &Outcome,
    sandbox: &Outcome,
    no_patch: &Outcome,
) -> String {
    let h = case.metric.headline();
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    match case.target {
        Target::RatioAtMost(max) => {
            let signal = match (native, no_patch) {
                (Ok(n), Ok(s)) => format_ratio(s[h] / n[h]),
                _ => "n/a".to_owned(),
            };
            match (native, sandbox) {
                (Ok(n), Ok(s)) => {
                    let r = s[h] / n[h];
                    format!(
                        "{} {} native patched (target <= {max}x: {}), {} native on the \
                         signal path (--no-patch, not judged)",
                        case.name,
                        format_ratio(r),
                        verdict(r <= max),
                        signal
                    )
                }
                _ => format!(
                    "{} n/a (target <= {max}x: not measured), {} native on the signal path \
                     (--no-patch, not judged)",
                    case.name, signal
                ),
            }
        }
        Target::Report => match (native, sandbox) {
            (Ok(n), Ok(s)) => format!("{} {} native (no target)", case.name, format_ratio(s[h] / n[h])),
            _ => format!("{} n/a (no target)", case.name),
        },
        Target::SandboxBelowPercent { max_pct, phrase } => match sandbox {
            Ok(s) => format!(
                "{phrase} {} of a core (target < {max_pct}%: {})",
                Unit::Percent.format(s[h]),
                verdict(s[h] < max_pct)
            ),
            Err(_) => format!("{phrase} n/a (target < {max_pct}%: not measured)"),
        },
        Target::SandboxBelowMs { max_ms, phrase } => match sandbox {
            Ok(s) => {
                let ms = s[h] / 1e6;
                let label = case.metric.rows()[h].trim();
                format!(
                    "{phrase} in {ms:.2} ms {label} (target < {max_ms} ms: {})",
                    verdict(ms < max_ms)
                )
            }
            Err(_) => format!("{phrase}: n/a (target < {max_ms} ms: not measured)"),
        },
    }
}

/// Runs the benchmark; returns the process exit code.
fn run(cli: Cli) -> Result<ExitCode, String> {
    let budget = Budget::new(cli.quick);
    let all = cases();
    for want in &cli.only {
        if !all.iter().any(|c| c.name == want) {
            let names: Vec<&str> = all.iter().map(|c| c.name).collect();
            return Err(format!(
                "unknown case `{want}` for --only; cases are: {}",
                names.join(", ")
            ));
        }
    }
    let selected: Vec<&Case> = all
        .iter()
        .filter(|c| cli.only.is_empty() || cli.only.iter().any(|w| w == c.name))
        .collect();

    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let exe_dir = exe.parent().unwrap_or(Path::new("/")).to_path_buf();
    let sandbox_exec = match cli.sandbox_exec {
        Some(p) => std::path::absolute(&p).unwrap_or(p),
        None => exe.with_file_name("sandbox-exec"),
    };
    let mut runners = runners(&sandbox_exec, !cli.no_peers);

    let bin_dir = exe_dir.join("bench-bin");
    let mut names: Vec<&str> = vec!["check"];
    for case in &selected {
        let built = case.metric.args().iter().filter_map(|a| match a {
            Arg::Program(name) => Some(*name),
            Arg::Lit(_) => None,
        });
        let own = match case.program {
            Exe::Built(name) => Some(name),
            Exe::Host(_) => None,
        };
        for name in own.into_iter().chain(built) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let paths = build_programs(&bin_dir, &names)?;
    let program_path = |name: &str| -> &Path {
        let i = names.iter().position(|n| *n == name).unwrap_or(0);
        &paths[i]
    };
    // A case's executable, or why it cannot run here.
    let executable = |exe: Exe| -> Result<&Path, String> {
        match exe {
            Exe::Built(name) => Ok(program_path(name)),
            Exe::Host(path) if is_executable(Path::new(path)) => Ok(Path::new(path)),
            Exe::Host(path) => Err(format!(
                "{path} is not installed (Debian: apt-get install busybox-static)"
            )),
        }
    };
    let resolve_args = |args: &[Arg]| -> Vec<String> {
        args.iter()
            .map(|a| match a {
                Arg::Lit(s) => (*s).to_owned(),
                Arg::Program(name) => program_path(name).to_string_lossy().into_owned(),
            })
            .collect()
    };

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let peer_names: Vec<&str> = runners
        .iter()
        .filter(|r| r.role == Role::Peer)
        .map(|r| r.name)
        .collect();
    println!(
        "sandbox-bench{}: sandbox-exec {}; peers: {}; {cpus} CPUs; programs in {}",
        if cli.quick { " --quick" } else { "" },
        sandbox_exec.display(),
        if cli.no_peers {
            "off".to_owned()
        } else if peer_names.is_empty() {
            "none installed (proot, runsc)".to_owned()
        } else {
            peer_names.join(", ")
        },
        bin_dir.display()
    );

    let watchdog = Watchdog::start();
    let mut warnings = Vec::new();
    for runner in &mut runners {
        if runner.unavailable.is_some() {
            continue;
        }
        match check_runner(runner, program_path("check"), &budget, &watchdog) {
            Ok(None) => {}
            Ok(Some(warning)) => warnings.push(warning),
            Err(e) => runner.unavailable = Some(e),
        }
    }
    let mut results: Vec<Vec<Outcome>> = Vec::new();
    let mut hows: Vec<String> = Vec::new();
    for case in &selected {
        eprintln!("running {} ...", case.name);
        let exe = executable(case.program);
        let (outcomes, how) = measure(
            case,
            &runners,
            exe.as_deref().map_err(String::as_str),
            &resolve_args(case.metric.args()),
            &budget,
            &watchdog,
        );
        results.push(outcomes);
        hows.push(how);
    }

    // The table.
    let mut header = vec!["case".to_owned()];
    for r in &runners {
        header.push(r.name.to_owned());
        if r.role != Role::Native {
            header.push("ratio".to_owned());
        }
    }
    let mut rows = vec![header];
    for (case, outcomes) in selected.iter().zip(&results) {
        let unit = case.metric.unit();
        let native = &outcomes[0];
        for (i, suffix) in case.metric.rows().iter().enumerate() {
            let mut row = vec![format!("{}{suffix}", case.label)];
            for (r, o) in runners.iter().zip(outcomes) {
                row.push(match o {
                    Ok(v) => unit.format(v[i]),
                    Err(_) => "n/a".to_owned(),
                });
                if r.role != Role::Native {
                    row.push(match (native, o) {
                        _ if !case.metric.has_ratio() => "-".to_owned(),
                        (Ok(n), Ok(v)) => format_ratio(v[i] / n[i]),
                        _ => "n/a".to_owned(),
                    });
                }
            }
            rows.push(row);
        }
    }
    println!();
    print!("{}", render_table(&rows));
    println!();
    println!(
        "columns: sandbox = `sandbox-exec PROGRAM` as it runs by default (a syscall site is \
         patched once hot (8 traps) to enter the sentry through shared memory, no signal); \
         sandbox --no-patch = `sandbox-exec --no-patch PROGRAM` (every system call on the \
         SIGSYS signal path); ratio = that column / native. Targets are judged on the \
         default (patched) column."
    );

    // What each case is, and every failure with its reason.
    for (case, how) in selected.iter().zip(&hows) {
        println!("{}: {} ({how})", case.name, case.what);
    }
    for warning in &warnings {
        println!("note: {warning}");
    }
    let mut failed = false;
    let mut noted_unavailable = Vec::new();
    for (case, outcomes) in selected.iter().zip(&results) {
        for (r, o) in runners.iter().zip(outcomes) {
            let Err(why) = o else { continue };
            if r.role != Role::Peer {
                failed = true;
            }
            if r.unavailable.is_some() {
                if noted_unavailable.contains(&r.name) {
                    continue;
                }
                noted_unavailable.push(r.name);
                println!("note: {} n/a: {why}", r.name);
            } else {
                println!("note: {} n/a for {}: {why}", r.name, case.name);
            }
        }
    }

    let sandbox_index = runners.iter().position(|r| r.role == Role::Sandbox);
    let no_patch_index = runners.iter().position(|r| r.role == Role::SandboxNoPatch);
    let fragments: Vec<String> = selected
        .iter()
        .zip(&results)
        .map(|(case, outcomes)| {
            let missing: Outcome = Err(String::new());
            let sandbox = sandbox_index.map_or(&missing, |i| &outcomes[i]);
            let no_patch = no_patch_index.map_or(&missing, |i| &outcomes[i]);
            summary_fragment(case, &outcomes[0], sandbox, no_patch)
        })
        .collect();
    println!("summary: {}", fragments.join(", "));
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
