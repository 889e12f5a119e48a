//! Conformance test harness.
//!
//! Test programs live in `tests/c/NAME.c`. Each is compiled **static** with
//! glibc (`gcc`) or musl (`musl-gcc`), and selected ones also dynamically
//! linked against glibc ([`Libc::GlibcDynamic`]), then run twice: natively
//! and under `sandbox-exec`. The two runs must agree on stdout and on the
//! exit status; see [`assert_same`] and the [`conformance!`] and
//! [`dynamic_conformance!`] macros.
//!
//! Environment knobs, all optional:
//!
//! - `SBX_TEST_LOG=LEVEL` passes `--log LEVEL` to `sandbox-exec`.
//! - `SBX_TEST_TIMEOUT=SECS` changes the per-run timeout (default 60 s).
//! - `CARGO_TARGET_DIR` is honoured when locating build outputs.

use std::ffi::OsStr;
use std::fmt;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// The workspace root (the parent of this package's directory).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

/// The cargo target directory: `$CARGO_TARGET_DIR` if set (relative paths
/// are taken from the workspace root), else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => workspace_dir().join(d),
        _ => workspace_dir().join("target"),
    }
}

/// Whether `p` lies under `/tmp`, which inside the sandbox is its own
/// tmpfs: the host's files there are not seen.
fn hidden_in_sandbox(p: &Path) -> bool {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).starts_with("/tmp")
}

/// A directory for files a test makes on the host for the sandbox to
/// run or read (through its overlay of the host's root): under the target
/// directory, or `/var/tmp` when that lies under `/tmp`, which inside is
/// the sandbox's own.
pub fn scratch_dir() -> PathBuf {
    let d = if hidden_in_sandbox(&target_dir()) { PathBuf::from("/var/tmp/sandbox-tests-scratch") } else { target_dir().join("scratch") };
    std::fs::create_dir_all(&d).expect("create the scratch directory");
    d
}

/// The `sandbox-exec` flags that show the test programs built in the
/// target directory inside the sandbox at their own paths: none, unless
/// the target directory lies under `/tmp`.
pub fn target_bind() -> Vec<std::ffi::OsString> {
    if !hidden_in_sandbox(&target_dir()) {
        return Vec::new();
    }
    let mut flags = Vec::new();
    for sub in ["c-tests", "rust-tests"] {
        let dir = target_dir().join(sub);
        if std::fs::create_dir_all(&dir).is_err() {
            continue;
        }
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let mut spec = dir.clone().into_os_string();
        spec.push(":");
        spec.push(&dir);
        flags.extend(["--bind".into(), spec]);
    }
    flags
}

/// The directory holding the C test sources (`tests/c`).
pub fn c_source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("c")
}

fn cargo_command() -> String {
    std::env::var("CARGO")
        .ok()
        .or_else(|| option_env!("CARGO").map(str::to_owned))
        .unwrap_or_else(|| "cargo".to_owned())
}

/// Builds `sandbox-exec` (package `tools`) once per test process and returns
/// the path of the binary. Panics with cargo's stderr if the build fails (in
/// every test that asks, without building again).
pub fn sandbox_exec() -> PathBuf {
    static PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PATH.get_or_init(build_sandbox_exec) {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn build_sandbox_exec() -> Result<PathBuf, String> {
    {
        let release = cfg!(not(debug_assertions));
        let mut cmd = Command::new(cargo_command());
        cmd.current_dir(workspace_dir())
            .args(["build", "-p", "tools", "--bin", "sandbox-exec"]);
        if release {
            cmd.arg("--release");
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run cargo ({}): {e}", cargo_command()))?;
        if !out.status.success() {
            return Err(format!(
                "building sandbox-exec failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let path = target_dir()
            .join(if release { "release" } else { "debug" })
            .join("sandbox-exec");
        if !path.is_file() {
            return Err(format!(
                "cargo built sandbox-exec but {} does not exist",
                path.display()
            ));
        }
        Ok(path)
    }
}

/// The C library a test program is compiled against, and how it is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Libc {
    /// GNU libc, `gcc -static`.
    Glibc,
    /// musl, `musl-gcc -static`.
    Musl,
    /// GNU libc, dynamically linked (`gcc`, a PIE started by
    /// `/lib64/ld-linux-x86-64.so.2` with the host's `libc.so.6`).
    GlibcDynamic,
}

impl Libc {
    /// Both C libraries, linked statically, in a fixed order.
    pub const ALL: [Libc; 2] = [Libc::Glibc, Libc::Musl];

    /// A short lowercase name, used in paths and messages.
    pub fn name(self) -> &'static str {
        match self {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
            Libc::GlibcDynamic => "glibc-dynamic",
        }
    }

    /// The compiler driver for this libc.
    pub fn compiler(self) -> &'static str {
        match self {
            Libc::Glibc | Libc::GlibcDynamic => "gcc",
            Libc::Musl => "musl-gcc",
        }
    }

    /// The compiler flags that choose the linking: `-static`, or none.
    pub fn link_flags(self) -> &'static [&'static str] {
        match self {
            Libc::Glibc | Libc::Musl => &["-static"],
            Libc::GlibcDynamic => &[],
        }
    }

    fn package_hint(self) -> &'static str {
        match self {
            Libc::Glibc | Libc::GlibcDynamic => "install the Debian packages `gcc` and `libc6-dev`",
            Libc::Musl => "install the Debian package `musl-tools` (apt-get install -y musl-tools)",
        }
    }
}

impl fmt::Display for Libc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Newest modification time of the shared headers in `tests/c`.
fn headers_mtime() -> Option<SystemTime> {
    let dir = std::fs::read_dir(c_source_dir()).ok()?;
    dir.filter_map(Result::ok)
        .filter(|e| e.path().extension() == Some(OsStr::new("h")))
        .filter_map(|e| mtime(&e.path()))
        .max()
}

/// Compiles `tests/c/NAME.c` for `libc` (statically, or dynamically linked
/// for [`Libc::GlibcDynamic`]) and returns the binary's path,
/// `<target>/c-tests/<libc>/<name>`. The output is cached and rebuilt
/// when the source (or a header in `tests/c`) is newer. Safe to call from
/// parallel tests: each compilation writes a private temporary file which is
/// then renamed into place.
pub fn compile(name: &str, libc: Libc) -> PathBuf {
    let src = c_source_dir().join(format!("{name}.c"));
    let src_time = mtime(&src).unwrap_or_else(|| panic!("no test source {}", src.display()));
    let newest = headers_mtime().map_or(src_time, |h| h.max(src_time));
    let out_dir = target_dir().join("c-tests").join(libc.name());
    build_cached(&src, newest, &out_dir, name, (libc.compiler(), libc.package_hint()), |tmp| {
        let mut cmd = Command::new(libc.compiler());
        cmd.args(libc.link_flags()).args(["-O1", "-Wall", "-o"]).arg(tmp).arg(&src);
        cmd
    })
}

/// Compiles `tests/c/lib/NAME.c` into the shared library `dir/FILE` with
/// `gcc -shared -fPIC` (glibc), cached like [`compile`], and returns its
/// path. `dir` is a directory the test owns, such as one under
/// [`scratch_dir`], so that the sandbox sees the library at the same path.
pub fn compile_shared(name: &str, file: &str, dir: &Path) -> PathBuf {
    let src = c_source_dir().join("lib").join(format!("{name}.c"));
    let newest = mtime(&src).unwrap_or_else(|| panic!("no library source {}", src.display()));
    build_cached(&src, newest, dir, file, ("gcc", Libc::GlibcDynamic.package_hint()), |tmp| {
        let mut cmd = Command::new("gcc");
        cmd.args(["-shared", "-fPIC", "-O1", "-Wall", "-o"]).arg(tmp).arg(&src);
        cmd
    })
}

/// Compiles `tests/rust/NAME.rs` with `rustc` into a static executable
/// (static glibc: `-C target-feature=+crt-static`), cached like [`compile`].
pub fn compile_rust(name: &str) -> PathBuf {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rust").join(format!("{name}.rs"));
    let newest = mtime(&src).unwrap_or_else(|| panic!("no test source {}", src.display()));
    let out_dir = target_dir().join("rust-tests");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    build_cached(&src, newest, &out_dir, name, ("rustc", "the Rust toolchain"), |tmp| {
        let mut cmd = Command::new(&rustc);
        cmd.args(["-O", "-C", "target-feature=+crt-static", "-o"]).arg(tmp).arg(&src);
        cmd
    })
}

/// Builds `out_dir/name` with the command `make(tmp)` (which writes `tmp`)
/// unless it is newer than `newest`; safe when tests build in parallel
/// (each builds to its own temporary name, then renames). `tool` names the
/// compiler and where it comes from, for the message if it is missing.
fn build_cached(src: &Path, newest: SystemTime, out_dir: &Path, name: &str, tool: (&str, &str), make: impl Fn(&Path) -> Command) -> PathBuf {
    let out = out_dir.join(name);
    if mtime(&out).is_some_and(|t| t >= newest) {
        return out;
    }
    std::fs::create_dir_all(out_dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = out_dir.join(format!(".{name}.tmp.{}.{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let (compiler, hint) = tool;
    let output = match make(&tmp).stdin(Stdio::null()).output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("compiler `{compiler}` not found (needed for {}): {hint}", src.display())
        }
        Err(e) => panic!("cannot run `{compiler}`: {e}"),
    };
    if !output.status.success() {
        let _ = std::fs::remove_file(&tmp);
        panic!("compiling {} with {compiler} failed ({}):\n{}", src.display(), output.status, String::from_utf8_lossy(&output.stderr));
    }
    if !output.stderr.is_empty() {
        eprintln!("warnings compiling {} with {compiler}:\n{}", src.display(), String::from_utf8_lossy(&output.stderr));
    }
    std::fs::rename(&tmp, &out).unwrap_or_else(|e| panic!("cannot rename {} to {}: {e}", tmp.display(), out.display()));
    out
}

/// How a program ended, with the sandbox's "exit 128+N" and the host's
/// "killed by signal N" mapped to the same value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exited normally with this code (0..=255).
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
    /// `sandbox-exec` itself was killed by this signal (a sandbox bug; never
    /// equal to any native status).
    RunnerKilled(i32),
}

impl Status {
    /// The status of a program run directly on the host.
    pub fn from_native(st: ExitStatus) -> Status {
        match (st.code(), st.signal()) {
            (Some(c), _) => Status::Exited(c),
            (None, Some(s)) => Status::Signaled(s),
            (None, None) => unreachable!("process neither exited nor was signalled: {st:?}"),
        }
    }

    /// The status of `sandbox-exec`, which reports a program killed by
    /// signal N as exit code 128+N, as a shell does. Codes 129..=192 (N a
    /// valid signal, 1..=64) map to [`Status::Signaled`]; other codes stay
    /// [`Status::Exited`]. So a program calling `exit(129..=192)` is
    /// indistinguishable from one killed by a signal; tests avoid those codes.
    pub fn from_sandbox(st: ExitStatus) -> Status {
        match (st.code(), st.signal()) {
            (Some(c), _) => Status::from_sandbox_code(c),
            (None, Some(s)) => Status::RunnerKilled(s),
            (None, None) => unreachable!("process neither exited nor was signalled: {st:?}"),
        }
    }

    /// [`Status::from_sandbox`] for a raw exit code.
    pub fn from_sandbox_code(code: i32) -> Status {
        if (129..=128 + 64).contains(&code) {
            Status::Signaled(code - 128)
        } else {
            Status::Exited(code)
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Exited(c) => write!(f, "exited with {c}"),
            Status::Signaled(s) => write!(f, "killed by signal {s}"),
            Status::RunnerKilled(s) => write!(f, "sandbox-exec itself killed by signal {s}"),
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
    /// How the program ended.
    pub status: Status,
}

impl Outcome {
    /// stdout as (lossy) text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as (lossy) text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "status: {}", self.status)?;
        writeln!(f, "--- stdout ({} bytes) ---", self.stdout.len())?;
        f.write_str(&truncate_text(&self.stdout, 8192))?;
        writeln!(f, "--- stderr ({} bytes) ---", self.stderr.len())?;
        f.write_str(&truncate_text(&self.stderr, 8192))?;
        writeln!(f, "--- end ---")
    }
}

fn truncate_text(b: &[u8], max: usize) -> String {
    let mut s = if b.len() > max {
        let mut s = String::from_utf8_lossy(&b[..max]).into_owned();
        s.push_str(&format!("\n[... {} more bytes]", b.len() - max));
        s
    } else {
        String::from_utf8_lossy(b).into_owned()
    };
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// The per-run timeout: `$SBX_TEST_TIMEOUT` seconds, default 60.
pub fn timeout() -> Duration {
    let secs = std::env::var("SBX_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

fn killpg(child: &Child) {
    // The child leads its own process group (see `run_command`), so this
    // also reaches anything it started (sandbox stubs).
    // SAFETY: plain syscall on a process group we created.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
}

/// Kills a timed-out child and everything descended from it, including
/// processes in other process groups and sessions, which [`killpg`] misses
/// (a test that makes sessions of its own, like `sig_orphan`, leaves them
/// running otherwise). The descendants are found by their parent pids in
/// `/proc`, so the child must not have been reaped yet; each one found is
/// stopped (SIGSTOP) at once, so that it cannot fork or exit, and the
/// search repeats until it finds nothing new; then all are SIGKILLed. A
/// process already reparented away from the tree (to init, or to a
/// subreaper outside it) is not found: a test that wants its orphans
/// killed makes itself a child subreaper, as the C programs that make
/// sessions do. The harness cannot be one itself: every parallel test's
/// orphans would come to it.
fn kill_tree(child: &Child) {
    let root = child.id() as i32;
    // SAFETY: signalling our own unreaped child.
    unsafe { libc::kill(root, libc::SIGSTOP) };
    let mut tree = vec![root];
    for _ in 0..100 {
        let mut found = false;
        for p in host::processes() {
            if p.state != 'Z' && tree.contains(&p.ppid) && !tree.contains(&p.pid) {
                // SAFETY: signalling a process whose ancestry leads to our
                // own unreaped child.
                unsafe { libc::kill(p.pid, libc::SIGSTOP) };
                tree.push(p.pid);
                found = true;
            }
        }
        if !found {
            break;
        }
    }
    for &pid in &tree {
        // SAFETY: as above.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    killpg(child);
}

fn spawn_reader<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Runs `cmd` with piped stdio, feeding `stdin`, for at most `limit`; the
/// child gets its own process group, and a timeout kills that group and
/// every descendant of the child ([`kill_tree`]).
fn run_command(
    mut cmd: Command,
    what: &str,
    stdin: &[u8],
    limit: Duration,
) -> (ExitStatus, Vec<u8>, Vec<u8>) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: setrlimit is async-signal-safe; no allocation happens here.
    unsafe {
        cmd.pre_exec(|| {
            // No core files from the crash tests.
            let zero = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut child_stdin = child.stdin.take().expect("piped stdin");
    let input = stdin.to_vec();
    std::thread::spawn(move || {
        // EPIPE is fine: the program need not read its stdin.
        let _ = child_stdin.write_all(&input);
    });
    let out_rx = spawn_reader(child.stdout.take().expect("piped stdout"));
    let err_rx = spawn_reader(child.stderr.take().expect("piped stderr"));
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => panic!("waiting for {what}: {e}"),
        }
        if start.elapsed() > limit {
            kill_tree(&child);
            let _ = child.wait();
            let grab = |rx: &mpsc::Receiver<Vec<u8>>| {
                rx.recv_timeout(Duration::from_secs(1))
                    .map(|b| truncate_text(&b, 8192))
                    .unwrap_or_else(|_| "<still held open>\n".to_owned())
            };
            panic!(
                "{what} timed out after {limit:?}; killed it\n--- stdout ---\n{}--- stderr ---\n{}",
                grab(&out_rx),
                grab(&err_rx)
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let recv = |rx: &mpsc::Receiver<Vec<u8>>, name: &str| {
        let left = limit
            .saturating_sub(start.elapsed())
            .max(Duration::from_secs(2));
        rx.recv_timeout(left).unwrap_or_else(|_| {
            killpg(&child);
            panic!(
                "{what} exited ({status}) but its {name} stayed open for {left:?}: \
                 a leftover process holds it"
            )
        })
    };
    let out = recv(&out_rx, "stdout");
    let err = recv(&err_rx, "stderr");
    (status, out, err)
}

/// Runs `bin` directly on the host with `args`, `stdin` as its standard input
/// (a pipe), the test's environment plus `env`, and stdout/stderr captured
/// through pipes. Panics if it runs longer than [`timeout`].
pub fn run_native(bin: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Outcome {
    run_native_in(&Setting::default(), bin, args, stdin, env)
}

/// Runs `bin` under `sandbox-exec`, otherwise exactly as [`run_native`]
/// does. `$SBX_TEST_LOG`, if set, is passed as `--log LEVEL`.
pub fn run_sandboxed(bin: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Outcome {
    run_sandboxed_with(&[], bin, args, stdin, env)
}

/// Runs `bin` under `sandbox-exec FLAGS...`, otherwise as [`run_sandboxed`].
pub fn run_sandboxed_with(flags: &[&str], bin: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Outcome {
    run_sandboxed_in(&Setting::default(), flags, bin, args, stdin, env)
}

/// The environment a [`Case::clean_env`] run starts from, natively and in
/// the sandbox: nothing inherited from the test process, only these.
pub const CLEAN_ENV: &[(&str, &str)] = &[("PATH", "/usr/bin:/bin"), ("LC_ALL", "C"), ("TZ", "UTC")];

/// Where and with what environment a run starts, besides its own `env`.
#[derive(Clone, Debug, Default)]
struct Setting {
    /// Start from [`CLEAN_ENV`] instead of the test process's environment.
    clean_env: bool,
    /// The working directory (of `sandbox-exec` too, which starts the
    /// program there); else the test process's.
    cwd: Option<PathBuf>,
    /// stderr is compared: the sentry logs only errors there (unless
    /// `$SBX_TEST_LOG` says otherwise), not the warnings about system
    /// calls it does not implement.
    quiet: bool,
}

impl Setting {
    fn apply(&self, cmd: &mut Command) {
        if self.clean_env {
            cmd.env_clear().envs(CLEAN_ENV.iter().copied());
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
    }
}

fn run_native_in(setting: &Setting, bin: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Outcome {
    let mut cmd = Command::new(bin);
    setting.apply(&mut cmd);
    cmd.args(args).envs(env.iter().copied());
    let (st, stdout, stderr) =
        run_command(cmd, &format!("native {}", bin.display()), stdin, timeout());
    Outcome {
        stdout,
        stderr,
        status: Status::from_native(st),
    }
}

fn run_sandboxed_in(
    setting: &Setting,
    flags: &[&str],
    bin: &Path,
    args: &[&str],
    stdin: &[u8],
    env: &[(&str, &str)],
) -> Outcome {
    let mut cmd = Command::new(sandbox_exec());
    setting.apply(&mut cmd);
    if let Some(level) = std::env::var_os("SBX_TEST_LOG") {
        cmd.arg("--log").arg(level);
    } else if setting.quiet {
        cmd.args(["--log", "error"]);
    }
    cmd.args(target_bind());
    cmd.args(flags).arg(bin).args(args).envs(env.iter().copied());
    let (st, stdout, stderr) = run_command(
        cmd,
        &format!("sandboxed {}", bin.display()),
        stdin,
        timeout(),
    );
    Outcome {
        stdout,
        stderr,
        status: Status::from_sandbox(st),
    }
}

/// A test case: the arguments, standard input and extra environment of one
/// comparison run, and the status the native run must end with.
#[derive(Clone, Debug)]
pub struct Case {
    /// Arguments after argv[0].
    pub args: Vec<String>,
    /// Bytes fed to standard input (a pipe, closed afterwards).
    pub stdin: Vec<u8>,
    /// Extra environment variables, set for both runs.
    pub env: Vec<(String, String)>,
    /// The status the native run must have (default: exit 0), so that a
    /// test program broken on this host is not mistaken for a passing test.
    pub expect: Status,
    /// Extra `sandbox-exec` options for the sandboxed run.
    pub sandbox_flags: Vec<String>,
    /// Start both runs from [`CLEAN_ENV`] rather than the test process's
    /// environment (see [`Case::clean_env`]).
    pub clean_env: bool,
    /// The directory both runs start in (see [`Case::cwd`]).
    pub cwd: Option<PathBuf>,
    /// Whether stderr must be the same too (see [`Case::same_stderr`]).
    pub same_stderr: bool,
}

impl Default for Case {
    fn default() -> Case {
        Case {
            args: Vec::new(),
            stdin: Vec::new(),
            env: Vec::new(),
            expect: Status::Exited(0),
            sandbox_flags: Vec::new(),
            clean_env: false,
            cwd: None,
            same_stderr: false,
        }
    }
}

impl Case {
    /// A case with no arguments, empty stdin, no extra environment, and
    /// expecting exit status 0.
    pub fn new() -> Case {
        Case::default()
    }

    /// Adds a `sandbox-exec` option for the sandboxed run.
    pub fn sandbox_flag(mut self, flag: &str) -> Case {
        self.sandbox_flags.push(flag.to_owned());
        self
    }

    /// Sets the status the native run must end with.
    pub fn expect(mut self, status: Status) -> Case {
        self.expect = status;
        self
    }

    /// Adds arguments.
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Case {
        self.args
            .extend(args.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// Sets standard input.
    pub fn stdin(mut self, data: impl AsRef<[u8]>) -> Case {
        self.stdin = data.as_ref().to_vec();
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Case {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Runs both with nothing of the test process's environment: only
    /// [`CLEAN_ENV`] (a fixed `PATH`, `LC_ALL=C`, `TZ=UTC`) and the
    /// variables added with [`Case::env`].
    pub fn clean_env(mut self) -> Case {
        self.clean_env = true;
        self
    }

    /// Starts both runs in `dir` (`sandbox-exec` starts the program in the
    /// directory it was started in), rather than wherever the test runs.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Case {
        self.cwd = Some(dir.into());
        self
    }

    /// Requires the two runs' stderr to be the same too, for programs
    /// whose error output is deterministic. The sandboxed run gets
    /// `--log error` (unless `$SBX_TEST_LOG` is set), so that the sentry's
    /// warnings do not count.
    pub fn same_stderr(mut self) -> Case {
        self.same_stderr = true;
        self
    }

    fn setting(&self) -> Setting {
        Setting { clean_env: self.clean_env, cwd: self.cwd.clone(), quiet: self.same_stderr }
    }
}

/// True when `$SBX_TEST_NATIVE_ONLY` is set (to anything but "" or "0"):
/// [`run_both`] then runs the program natively twice instead of natively and
/// sandboxed, which checks the test programs themselves (they pass on this
/// host and their output is deterministic) without needing the sandbox.
pub fn native_only() -> bool {
    std::env::var("SBX_TEST_NATIVE_ONLY").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Runs `bin` natively and sandboxed as `case` says and returns both
/// outcomes, `(native, sandboxed)`. See [`native_only`].
pub fn run_both(bin: &Path, case: &Case) -> (Outcome, Outcome) {
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = case
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let setting = case.setting();
    let native = run_native_in(&setting, bin, &args, &case.stdin, &env);
    let sandboxed = if native_only() {
        run_native_in(&setting, bin, &args, &case.stdin, &env)
    } else {
        let flags: Vec<&str> = case.sandbox_flags.iter().map(String::as_str).collect();
        run_sandboxed_in(&setting, &flags, bin, &args, &case.stdin, &env)
    };
    (native, sandboxed)
}

/// Compiles `tests/c/NAME.c` for `libc`, runs it natively and sandboxed with
/// `args`, and asserts that stdout and status are identical.
/// The native run must exit with status 0.
pub fn assert_same(name: &str, libc: Libc, args: &[&str]) {
    assert_same_case(name, libc, &Case::new().args(args));
}

/// [`assert_same`] with arguments, stdin, environment and the expected
/// native status from `case`.
pub fn assert_same_case(name: &str, libc: Libc, case: &Case) {
    let bin = compile(name, libc);
    assert_same_run(&format!("{name} ({libc}, args {:?})", case.args), &bin, case);
}

/// Runs `bin` natively and sandboxed as `case` says (see [`run_both`]) and
/// asserts that the native run ended as `case` expects and that the two
/// agree on stdout and status (and stderr, with [`Case::same_stderr`]).
/// `what` names the run in messages. Returns the native outcome.
pub fn assert_same_run(what: &str, bin: &Path, case: &Case) -> Outcome {
    let (native, sandboxed) = run_both(bin, case);
    if native.status != case.expect {
        panic!(
            "{what}: the native run ended with \"{}\", expected \"{}\": \
             the test program itself is broken on this host\n{native}",
            native.status, case.expect
        );
    }
    if native.stdout != sandboxed.stdout || native.status != sandboxed.status {
        panic!(
            "{what}: sandboxed run differs from native run{}\n\
             ===== native =====\n{native}===== sandboxed =====\n{sandboxed}",
            first_difference(&native.stdout, &sandboxed.stdout)
        );
    }
    if case.same_stderr && native.stderr != sandboxed.stderr {
        panic!(
            "{what}: sandboxed run's stderr differs from native run's{}\n\
             ===== native =====\n{native}===== sandboxed =====\n{sandboxed}",
            first_difference(&native.stderr, &sandboxed.stderr).replace("stdout", "stderr")
        );
    }
    native
}

/// Describes the first differing stdout line, or "" if stdout is equal.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    if a == b {
        return String::new();
    }
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (mut la, mut lb) = (a.split_inclusive('\n'), b.split_inclusive('\n'));
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (x, y) => {
                return format!(
                    "\nfirst stdout difference at line {n}:\n  native:    {:?}\n  sandboxed: {:?}",
                    x.unwrap_or("<end of output>"),
                    y.unwrap_or("<end of output>")
                )
            }
        }
    }
}

/// Declares conformance tests. Each entry becomes a module with two tests,
/// `NAME::glibc` and `NAME::musl`, which compile `tests/c/PROGRAM.c` and
/// [`assert_same_case`] on it.
///
/// ```ignore
/// conformance! {
///     auxv,                                           // tests/c/auxv.c, no args
///     hello => Case::new().args(["a", "b c", ""]),    // with a Case
///     exit_code_3 = exit_code => Case::new().args(["3"]), // another program name
/// }
/// ```
#[macro_export]
macro_rules! conformance {
    ($( $test:ident $(= $prog:ident)? $(=> $case:expr)? ),* $(,)?) => {
        $(
            #[allow(non_snake_case)]
            mod $test {
                #[allow(unused_imports)]
                use super::*;

                fn case() -> $crate::Case {
                    $crate::__conformance_case!($($case)?)
                }

                #[test]
                fn glibc() {
                    $crate::assert_same_case(
                        $crate::__conformance_prog!($test $($prog)?),
                        $crate::Libc::Glibc,
                        &case(),
                    );
                }

                #[test]
                fn musl() {
                    $crate::assert_same_case(
                        $crate::__conformance_prog!($test $($prog)?),
                        $crate::Libc::Musl,
                        &case(),
                    );
                }
            }
        )*
    };
}

/// Declares conformance tests of dynamically linked programs, in the
/// syntax of [`conformance!`]: each entry becomes a module with one test,
/// `NAME::glibc_dynamic`, which compiles `tests/c/PROGRAM.c` without
/// `-static` ([`Libc::GlibcDynamic`]) and [`assert_same_case`] on it.
#[macro_export]
macro_rules! dynamic_conformance {
    ($( $test:ident $(= $prog:ident)? $(=> $case:expr)? ),* $(,)?) => {
        $(
            #[allow(non_snake_case)]
            mod $test {
                #[allow(unused_imports)]
                use super::*;

                #[test]
                fn glibc_dynamic() {
                    $crate::assert_same_case(
                        $crate::__conformance_prog!($test $($prog)?),
                        $crate::Libc::GlibcDynamic,
                        &$crate::__conformance_case!($($case)?),
                    );
                }
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_case {
    () => {
        $crate::Case::new()
    };
    ($case:expr) => {
        $case
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_prog {
    ($test:ident) => {
        stringify!($test)
    };
    ($test:ident $prog:ident) => {
        stringify!($prog)
    };
}

#[cfg(test)]
mod unit {
    use super::*;

    fn raw_exit(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    fn raw_signal(sig: i32) -> ExitStatus {
        ExitStatus::from_raw(sig)
    }

    #[test]
    fn native_status() {
        assert_eq!(Status::from_native(raw_exit(0)), Status::Exited(0));
        assert_eq!(Status::from_native(raw_exit(3)), Status::Exited(3));
        assert_eq!(Status::from_native(raw_exit(139)), Status::Exited(139));
        assert_eq!(Status::from_native(raw_signal(11)), Status::Signaled(11));
        assert_eq!(Status::from_native(raw_signal(9)), Status::Signaled(9));
    }

    #[test]
    fn sandbox_status() {
        assert_eq!(Status::from_sandbox(raw_exit(0)), Status::Exited(0));
        assert_eq!(Status::from_sandbox(raw_exit(3)), Status::Exited(3));
        assert_eq!(Status::from_sandbox(raw_exit(128)), Status::Exited(128));
        assert_eq!(Status::from_sandbox(raw_exit(129)), Status::Signaled(1));
        assert_eq!(Status::from_sandbox(raw_exit(139)), Status::Signaled(11));
        assert_eq!(Status::from_sandbox(raw_exit(192)), Status::Signaled(64));
        assert_eq!(Status::from_sandbox(raw_exit(193)), Status::Exited(193));
        assert_eq!(Status::from_sandbox(raw_exit(255)), Status::Exited(255));
        assert_eq!(Status::from_sandbox(raw_signal(6)), Status::RunnerKilled(6));
    }

    #[test]
    fn native_and_sandbox_agree() {
        // A program killed by SIGSEGV: the host says signal 11, the sandbox
        // says exit 139; both normalise to the same value.
        assert_eq!(
            Status::from_native(raw_signal(11)),
            Status::from_sandbox(raw_exit(139))
        );
        assert_ne!(
            Status::from_native(raw_signal(11)),
            Status::from_sandbox(raw_signal(11))
        );
    }

    #[test]
    fn real_processes() {
        let sh = |script: &str| {
            let mut cmd = Command::new("/bin/sh");
            cmd.args(["-c", script]);
            run_command(cmd, "sh", b"", Duration::from_secs(10))
        };
        let (st, out, _) = sh("echo hi; exit 7");
        assert_eq!(Status::from_native(st), Status::Exited(7));
        assert_eq!(out, b"hi\n");
        let (st, _, _) = sh("kill -SEGV $$");
        assert_eq!(Status::from_native(st), Status::Signaled(11));
        let (st, out, _) = sh("cat");
        assert_eq!(Status::from_native(st), Status::Exited(0));
        assert_eq!(out, b"");
    }

    #[test]
    fn timeout_kills_the_process_group() {
        let mut cmd = Command::new("/bin/sh");
        // A grandchild holds stdout open too: killpg must reach it, or the
        // reader threads would wait for 30 s.
        cmd.args(["-c", "sleep 30 & sleep 30"]);
        let start = Instant::now();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_command(cmd, "sleeper", b"", Duration::from_millis(300))
        }));
        let msg = r.expect_err("run_command did not time out");
        let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("timed out"), "{msg}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn timeout_kills_descendants_in_other_sessions() {
        let mut cmd = Command::new("/bin/sh");
        // A grandchild in a session of its own, out of killpg's reach: the
        // timeout must kill it too. It prints its pid first, through `cat`
        // so that our stdout comes back even if it survives.
        cmd.args(["-c", "setsid sh -c 'echo $$; exec sleep 30' </dev/null 2>&1 | cat & wait"]);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_command(cmd, "sleeper", b"", Duration::from_millis(500))
        }));
        let msg = r.expect_err("run_command did not time out");
        let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        let pid: i32 = msg
            .split("--- stdout ---\n")
            .nth(1)
            .and_then(|s| s.lines().next())
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid in the output: {msg}"));
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            // Killed, it is a zombie (of init, which may be slow to reap
            // it) or gone.
            let state = host::processes().into_iter().find(|p| p.pid == pid).map(|p| p.state);
            if matches!(state, None | Some('Z')) {
                break;
            }
            assert!(Instant::now() < deadline, "process {pid} in another session still runs: {state:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn stdin_is_fed() {
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "cat; echo done >&2"]);
        let (st, out, err) = run_command(cmd, "cat", b"input line\n", Duration::from_secs(10));
        assert!(st.success());
        assert_eq!(out, b"input line\n");
        assert_eq!(err, b"done\n");
    }

    #[test]
    fn difference_report() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), "");
        let d = first_difference(b"a\nb\n", b"a\nc\n");
        assert!(d.contains("line 2"), "{d}");
        let d = first_difference(b"a\n", b"a\nx\n");
        assert!(d.contains("<end of output>"), "{d}");
    }
}

/// Host processes around a test: finding what a sandbox left behind.
pub mod host {
    use std::time::{Duration, Instant};

    /// Proves the leftover check works: a child this process starts shows
    /// up in [`live_children`], and is gone once reaped.
    pub fn assert_detector_works() {
        let mut sleeper = std::process::Command::new("sleep").arg("30").spawn().expect("cannot start sleep");
        let found = live_children();
        let seen = found.iter().any(|(pid, comm, _)| *pid == sleeper.id() as i32 && comm == "sleep");
        sleeper.kill().expect("kill sleep");
        sleeper.wait().expect("wait sleep");
        assert!(seen, "live_children() did not find our `sleep` child: {found:?}");
        assert!(live_children().is_empty(), "sleep still listed after wait");
    }

    /// Makes this test process a child subreaper.
    pub fn become_subreaper() {
        // SAFETY: prctl with integer arguments only.
        let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        assert_eq!(r, 0, "PR_SET_CHILD_SUBREAPER failed");
    }

    /// Waits up to 2 s for every child of this process to be gone; kills and
    /// reports any that stay.
    pub fn assert_no_children_left(what: &str) {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let left = live_children();
            if left.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                for (pid, _, _) in &left {
                    // SAFETY: killing a process that is our own child.
                    unsafe { libc::kill(*pid, libc::SIGKILL) };
                }
                live_children();
                panic!(
                    "{what}: {} host processes left behind after the sandbox exited: {left:?}",
                    left.len()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }


    /// The live (non-zombie) children of this process, as `(pid, comm, state)`.
    /// Zombies are reaped on the way.
    pub fn live_children() -> Vec<(i32, String, char)> {
        loop {
            // SAFETY: plain waitpid on any child, non-blocking.
            let r = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
            if r <= 0 {
                break;
            }
        }
        children_of(std::process::id() as i32)
    }

    /// The live (non-zombie) children of process `parent`, as
    /// `(pid, comm, state)`.
    pub fn children_of(parent: i32) -> Vec<(i32, String, char)> {
        processes()
            .into_iter()
            .filter(|p| p.ppid == parent && p.state != 'Z')
            .map(|p| (p.pid, p.comm, p.state))
            .collect()
    }

    /// A process as `/proc/PID/stat` shows it.
    #[derive(Clone, Debug)]
    pub struct Process {
        /// Its pid.
        pub pid: i32,
        /// Its command name.
        pub comm: String,
        /// `R`, `S`, `T`, `Z`, ...
        pub state: char,
        /// Its parent's pid.
        pub ppid: i32,
    }

    /// Every process in `/proc` (zombies too).
    pub fn processes() -> Vec<Process> {
        let mut out = Vec::new();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return out;
        };
        for entry in dir.filter_map(Result::ok) {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may contain spaces and ')'.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let comm = stat[open + 1..close].to_owned();
            let mut fields = stat[close + 1..].split_whitespace();
            let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
            let ppid: i32 = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            out.push(Process { pid, comm, state, ppid });
        }
        out
    }

}
