//! [`Metric::Idle`](super::Metric::Idle): the CPU time a waiting program's
//! whole process tree uses over one window, every column at once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{describe_status, snippet, Budget, Outcome, Runner, Unit};
use crate::cases::Case;

/// A program of a [`Metric::Idle`](super::Metric::Idle) case, started and
/// not yet reaped.
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
        let mut child = runner.spawn(&mut runner.command(program, args, Stdio::piped()))?;
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

/// Measures an idle case: every column at once, one window. Returns one
/// outcome per column and a line describing how it was measured.
pub(super) fn measure(
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
        .map(|r| {
            r.available()
                .and_then(|()| IdleRun::start(r, program, args))
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
                Ok(None) => break Err(budget.timed_out()),
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
        // The program has exited, but the threads reading its output may
        // not have passed on its last lines yet: wait (a little) for each
        // to reach the end of its pipe.
        let drained = Instant::now() + Duration::from_secs(2);
        let left = || drained.saturating_duration_since(Instant::now());
        let rest: Vec<String> =
            std::iter::from_fn(|| run.lines.recv_timeout(left()).ok()).collect();
        let stderr = snippet(&run.stderr.recv_timeout(left()).unwrap_or_default());
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
            Ok(v) => runner.progress(case, &Unit::Percent.format(v[0])),
            Err(e) => runner.progress(case, e),
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
