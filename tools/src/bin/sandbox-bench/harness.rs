//! The harness every case goes through: the columns (native, `sandbox-exec`
//! with and without patching, the installed peers) and timed runs in them
//! ([`runner`]), and the measurement of a case in every column per its
//! [`Metric`]: samples interleaved round-robin and reduced to one value per
//! table row, or CPU use over one window ([`idle_cpu`]).

mod idle_cpu;
mod runner;

use std::path::Path;
use std::time::Duration;

use crate::cases::Case;
use runner::run_once;
pub use runner::{
    check_runners, describe_status, is_executable, runners, snippet, Role, Runner, Watchdog,
    CHECK_PROGRAM,
};

/// How much work a run does: full, or `--quick`.
pub struct Budget {
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
    pub fn new(quick: bool) -> Self {
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

    /// Why a run that outlived [`Budget::timeout`] failed.
    fn timed_out(&self) -> String {
        format!(
            "timed out after {} s and was killed",
            self.timeout.as_secs()
        )
    }
}

/// How many timed runs a [`Metric::Wall`] case makes per column, when not
/// [`Budget::wall_runs`] (for cases whose runs are long).
pub struct WallRuns {
    /// In a full run.
    pub full: usize,
    /// With `--quick`.
    pub quick: usize,
}

/// The iteration counts a [`Metric::PerOp`] case's runs stay within.
pub struct Iterations {
    /// Most iterations per native run.
    pub native: u64,
    /// Most iterations per run under a sandbox (the sandbox or a peer).
    pub sandboxed: u64,
    /// Fewest iterations per run, unless a twentieth of the most is more:
    /// so that a probe slowed by a noisy neighbour does not shrink the runs
    /// too far.
    pub least: u64,
}

/// How a case is measured.
pub enum Metric {
    /// The program takes an iteration count as its first argument and prints
    /// a line `ns_per_op N`; the best (minimum) over several runs is kept.
    ///
    /// Short calibration runs per column first pick the iteration count:
    /// enough for [`Budget::per_op_run_time`], at most the count given here.
    /// So a slow peer (proot's ptrace costs ~100 us a call) does not stretch
    /// the bench to minutes, and the calibration doubles as a warm-up.
    PerOp(Iterations),
    /// Wall time from spawn to exit as seen by the parent, over many runs;
    /// median and mean are reported.
    Wall {
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
    Idle,
}

impl Metric {
    /// Row label suffixes; one table row per entry.
    pub fn rows(&self) -> &'static [&'static str] {
        match self {
            Metric::PerOp(_) | Metric::Idle => &[""],
            Metric::Wall { .. } => &[" median", " mean"],
        }
    }

    /// Index of the row the target is judged on.
    pub fn headline(&self) -> usize {
        match self {
            Metric::PerOp(_) | Metric::Idle => 0,
            // The mean is the conservative one: it includes the slow outliers.
            Metric::Wall { .. } => 1,
        }
    }

    /// Unit the values are shown in.
    pub fn unit(&self) -> Unit {
        match self {
            Metric::PerOp(_) => Unit::Ns,
            Metric::Wall { .. } => Unit::Ms,
            Metric::Idle => Unit::Percent,
        }
    }

    /// Whether a ratio to native means anything (not for CPU use, where
    /// native is about 0).
    pub fn has_ratio(&self) -> bool {
        !matches!(self, Metric::Idle)
    }
}

/// Display unit of a value (values are kept in nanoseconds).
#[derive(Clone, Copy)]
pub enum Unit {
    /// Nanoseconds.
    Ns,
    /// Milliseconds.
    Ms,
    /// Percent of one CPU core (the value is the percentage itself).
    Percent,
}

impl Unit {
    /// Formats `ns` nanoseconds in this unit.
    pub fn format(self, ns: f64) -> String {
        match self {
            Unit::Ns if ns < 10.0 => format!("{ns:.1} ns"),
            Unit::Ns if ns < 100_000.0 => format!("{ns:.0} ns"),
            Unit::Ns => format!("{:.1} us", ns / 1e3),
            Unit::Ms => format!("{:.2} ms", ns / 1e6),
            Unit::Percent => format!("{ns:.2}%"),
        }
    }
}

/// Per-column outcome of a case: one value per row, or why there is none.
pub type Outcome = Result<Vec<f64>, String>;

/// Measures `case` in every column; `program` is its executable, or why it
/// has none (then every column is `n/a` for that reason), and `args` its
/// arguments, resolved. Returns one outcome per column and a line
/// describing how it was measured.
pub fn measure(
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
    let mut columns: Vec<Result<Vec<f64>, String>> = runners
        .iter()
        .map(|r| r.available().map(|()| Vec::new()))
        .collect();
    match case.metric {
        Metric::PerOp(ref limits) => {
            let runs = budget.per_op_runs;
            let (iters, chosen) = calibrate(
                limits,
                runners,
                &mut columns,
                program,
                args,
                budget,
                watchdog,
            );
            round_robin(runners, &mut columns, 0, runs, |i, runner| {
                per_op_sample(runner, program, args, iters[i], budget, watchdog)
            });
            let how = format!("best of {runs} runs; iterations: {chosen}");
            (reduce(case, runners, columns, best), how)
        }
        Metric::Wall { ref runs } => {
            let runs = match runs {
                None => budget.wall_runs,
                Some(runs) if budget.quick => runs.quick,
                Some(runs) => runs.full,
            };
            // One untimed warm-up run per column (page cache, first exec).
            round_robin(runners, &mut columns, 1, runs, |_, runner| {
                run_once(runner, program, args, budget, watchdog)
                    .map(|run| run.elapsed.as_nanos() as f64)
            });
            let how = format!("{runs} runs after 1 warm-up");
            (reduce(case, runners, columns, median_and_mean), how)
        }
        Metric::Idle => idle_cpu::measure(case, runners, program, args, budget),
    }
}

/// Picks the iteration count of each available column of a
/// [`Metric::PerOp`] case from short calibration runs (which also warm it
/// up): enough for [`Budget::per_op_run_time`], within `limits`. A column
/// whose calibration fails gets that error. Returns the counts (0 for
/// columns without one) and a list of them for the "how" line.
fn calibrate(
    limits: &Iterations,
    runners: &[Runner],
    columns: &mut [Result<Vec<f64>, String>],
    program: &Path,
    args: &[String],
    budget: &Budget,
    watchdog: &Watchdog,
) -> (Vec<u64>, String) {
    let mut iters = vec![0u64; runners.len()];
    let mut chosen = Vec::new();
    for ((runner, column), iters) in runners.iter().zip(columns).zip(&mut iters) {
        if column.is_err() {
            continue;
        }
        let most = if runner.role == Role::Native {
            limits.native
        } else {
            limits.sandboxed
        };
        let most = (most / budget.iter_divisor).max(1);
        // A floor keeps a probe slowed by a noisy neighbour from shrinking
        // the runs too far.
        let least = most.min((most / 20).max(limits.least));
        let probe = (most / 100).clamp(least, most);
        // The best of three probes, so one slowed by noise does not set the
        // size.
        let probed = (0..3).try_fold(f64::INFINITY, |best, _| {
            per_op_sample(runner, program, args, probe, budget, watchdog).map(|v| best.min(v))
        });
        match probed {
            Ok(ns) => {
                let fit = budget.per_op_run_time.as_nanos() as f64 / ns.max(1.0);
                *iters = round_2_digits((fit as u64).clamp(least, most));
                chosen.push(format!("{} {iters}", runner.name));
            }
            Err(e) => *column = Err(e),
        }
    }
    (iters, chosen.join(", "))
}

/// Runs a [`Metric::PerOp`] program once with `iters` iterations; its
/// `ns_per_op` line is the sample.
fn per_op_sample(
    runner: &Runner,
    program: &Path,
    args: &[String],
    iters: u64,
    budget: &Budget,
    watchdog: &Watchdog,
) -> Result<f64, String> {
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

/// Takes `warmup` untimed and then `runs` timed samples (nanoseconds) of
/// every column still `Ok` in `columns`, round-robin across the columns, so
/// slow drift on a shared machine affects every column alike. `sample`
/// takes one sample of a column (its index and runner); its first error
/// ends that column.
fn round_robin(
    runners: &[Runner],
    columns: &mut [Result<Vec<f64>, String>],
    warmup: usize,
    runs: usize,
    mut sample: impl FnMut(usize, &Runner) -> Result<f64, String>,
) {
    for round in 0..warmup + runs {
        for (i, (runner, column)) in runners.iter().zip(columns.iter_mut()).enumerate() {
            let Ok(samples) = column else { continue };
            match sample(i, runner) {
                Ok(v) if round >= warmup => samples.push(v),
                Ok(_) => {}
                Err(e) => *column = Err(e),
            }
        }
    }
}

/// Reduces each column's samples of `case` to one value per table row with
/// `rows_of`, printing them on stderr as it goes.
fn reduce(
    case: &Case,
    runners: &[Runner],
    columns: Vec<Result<Vec<f64>, String>>,
    rows_of: fn(&[f64]) -> Vec<f64>,
) -> Vec<Outcome> {
    let unit = case.metric.unit();
    let format_all =
        |values: &[f64]| -> Vec<String> { values.iter().map(|&v| unit.format(v)).collect() };
    runners
        .iter()
        .zip(columns)
        .map(|(runner, samples)| {
            let samples = samples?;
            let shown = if samples.len() > 8 {
                format!("{} values", samples.len())
            } else {
                format_all(&samples).join(", ")
            };
            let rows = rows_of(&samples);
            runner.progress(
                case,
                &format!("{shown} -> {}", format_all(&rows).join(" / ")),
            );
            Ok(rows)
        })
        .collect()
}

/// The one row of a [`Metric::PerOp`] case: the best (smallest) sample.
fn best(samples: &[f64]) -> Vec<f64> {
    vec![samples.iter().copied().fold(f64::INFINITY, f64::min)]
}

/// The two rows of a [`Metric::Wall`] case: the median and the mean.
fn median_and_mean(samples: &[f64]) -> Vec<f64> {
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

/// Rounds `n` down to two significant digits (for readable iteration counts).
fn round_2_digits(n: u64) -> u64 {
    let mut scale = 1;
    while n / scale >= 100 {
        scale *= 10;
    }
    n / scale * scale
}
