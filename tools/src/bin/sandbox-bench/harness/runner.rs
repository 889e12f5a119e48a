//! The columns a case is measured in (native, `sandbox-exec` with and
//! without patching, the installed peers), one timed run of a program in a
//! column, with its timeout, and the sanity check of every column.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::Budget;
use crate::cases::Case;
use crate::programs::{bench_program, Program};

/// Which column a runner fills.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
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
pub struct Runner {
    /// Column header.
    pub name: &'static str,
    /// Which column this is.
    pub role: Role,
    /// Command placed before `PROGRAM ARGS` (empty for native).
    prefix: Vec<OsString>,
    /// Why this runner cannot run at all, if it cannot.
    pub unavailable: Option<String>,
}

impl Runner {
    /// Builds the command that runs `program args` this way, with `stdin`,
    /// stdout and stderr piped, in a process group of its own.
    pub(super) fn command(&self, program: &Path, args: &[String], stdin: Stdio) -> Command {
        let mut cmd = match self.prefix.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(program);
                c
            }
            None => Command::new(program),
        };
        cmd.args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        cmd
    }

    /// Starts `cmd`, one of this runner's [`Runner::command`]s.
    pub(super) fn spawn(&self, cmd: &mut Command) -> Result<Child, String> {
        cmd.spawn().map_err(|e| {
            format!(
                "{} run failed: cannot start {}: {e}",
                self.name,
                cmd.get_program().to_string_lossy()
            )
        })
    }

    /// `Ok` if this runner can run programs at all, else why not.
    pub(super) fn available(&self) -> Result<(), String> {
        match &self.unavailable {
            Some(why) => Err(why.clone()),
            None => Ok(()),
        }
    }

    /// Prints a progress line about `case` in this column on stderr.
    pub(super) fn progress(&self, case: &Case, text: &str) {
        eprintln!("  {:<8} {}: {text}", self.name, case.name);
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
pub fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The columns of this run: native, sandbox, then the installed peers if
/// `peers`.
pub fn runners(sandbox_exec: &Path, peers: bool) -> Vec<Runner> {
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
pub struct Watchdog {
    /// Arms (`Some((process group, deadline))`) or disarms (`None`) the timer.
    tx: mpsc::Sender<Option<(u32, Instant)>>,
    /// Set when the watchdog killed the armed run.
    fired: Arc<AtomicBool>,
}

impl Watchdog {
    /// Starts the watchdog thread.
    pub fn start() -> Self {
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
pub(super) struct Run {
    /// Spawn to exit, as seen by the parent.
    pub(super) elapsed: Duration,
    /// How it ended.
    status: ExitStatus,
    /// What it printed on stdout.
    pub(super) stdout: String,
    /// What it printed on stderr.
    stderr: Vec<u8>,
}

/// Runs `program args` once with `runner`, timing it from spawn to exit.
/// A non-zero exit, a signal or a timeout is an error describing it.
pub(super) fn run_once(
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
    let mut cmd = runner.command(program, args, Stdio::null());
    watchdog.fired.store(false, Ordering::SeqCst);
    let start = Instant::now();
    let child = runner.spawn(&mut cmd)?;
    let _ = watchdog.tx.send(Some((child.id(), start + budget.timeout)));
    let out = child.wait_with_output();
    let elapsed = start.elapsed();
    let _ = watchdog.tx.send(None);
    let out = out.map_err(|e| format!("{} run failed: waiting for it: {e}", runner.name))?;
    if watchdog.fired.load(Ordering::SeqCst) {
        return Err(format!(
            "{} run failed: {}, stderr: {}",
            runner.name,
            budget.timed_out(),
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

/// `tools/bench/check.c`: the sanity check every column runs once before
/// any timing.
pub const CHECK_PROGRAM: Program = bench_program!("check");

/// Runs [`CHECK_PROGRAM`], built at the path `check`, once in every available
/// column. A column that does not really run programs (no expected output:
/// its numbers would be meaningless) is marked unavailable; one that runs
/// them but does not forward the exit status gets a warning, returned.
pub fn check_runners(
    runners: &mut [Runner],
    check: &Path,
    budget: &Budget,
    watchdog: &Watchdog,
) -> Vec<String> {
    const EXPECT_OUT: &str = "check ok: hello world";
    const EXPECT_EXIT: i32 = 42;
    let args = ["hello".to_owned(), "world".to_owned()];
    let mut warnings = Vec::new();
    for runner in runners.iter_mut().filter(|r| r.unavailable.is_none()) {
        let run = match run_timed(runner, check, &args, budget, watchdog) {
            Ok(run) => run,
            Err(e) => {
                runner.unavailable = Some(e);
                continue;
            }
        };
        if run.stdout.trim_end() != EXPECT_OUT {
            runner.unavailable = Some(format!(
                "{} run failed: {}, stderr: {}, stdout: {} (the sanity check \
                 `check hello world` should print \"{EXPECT_OUT}\" and exit {EXPECT_EXIT})",
                runner.name,
                describe_status(run.status),
                snippet(&run.stderr),
                snippet(run.stdout.as_bytes())
            ));
        } else if run.status.code() != Some(EXPECT_EXIT) {
            warnings.push(format!(
                "{} does not forward the exit status: `check` exits {EXPECT_EXIT}, got {}",
                runner.name,
                describe_status(run.status)
            ));
        }
    }
    warnings
}

/// "exit N" or "killed by signal N".
pub fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => status.to_string(),
    }
}

/// The tail of some output, trimmed, for an error message.
pub fn snippet(bytes: &[u8]) -> String {
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
