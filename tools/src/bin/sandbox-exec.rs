//! `sandbox-exec PROGRAM [ARGS...]`: runs a program inside the sandbox.
//!
//! The program sees its own PIDs (it is PID 1), and every system call it
//! makes is served by the sentry. Standard input, output and error are the
//! caller's, held by the sentry. The file tree is the host's (`--root`),
//! read-only under an in-memory overlay (or written through with
//! `--rw-root`), with a private `/tmp` and the sandbox's own `/dev`. Its
//! sockets reach a private network with only loopback (`--network=none`,
//! the default) or the host's (`--network=host`). The exit status is the program's, or 128
//! plus the signal that killed it, as a shell reports it; 124 or 152 when
//! the sandbox's wall or CPU time ran out (`--wall-time`, `--cpu-time`).
//! `--pids` caps its tasks. SIGINT, SIGTERM,
//! SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to `sandbox-exec` go to init
//! (see `tools::forward`).

use std::ffi::OsString;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use sentry::syscalls::{Support, TABLE};
use sentry::boot::{ExtraMount, Network, RootFs};
use sentry::fsimpl::host::HostFile;
use sentry::{BootConfig, CreateProcessArgs, KernelConfig, Limit};

/// Run a program in the sandbox.
#[derive(Parser, Debug)]
#[command(name = "sandbox-exec", version, about, trailing_var_arg = true)]
struct Cli {
    /// The sentry's log level on stderr: error, warn, info, debug or trace.
    #[arg(long, default_value = "warn", value_name = "LEVEL")]
    log: log::LevelFilter,

    /// Serve every system call through a signal: never patch hot syscall
    /// sites to enter the sentry directly (slower; for debugging).
    #[arg(long)]
    no_patch: bool,

    /// Forward the signals sandbox-exec receives to init's whole process
    /// group rather than to init alone.
    #[arg(long)]
    signal_group: bool,

    /// The host directory the sandbox sees as `/`, read-only under an
    /// in-memory overlay (writes never reach it) unless --rw-root.
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,

    /// Write changes to `/` through to the --root directory instead of
    /// keeping them in memory (missing mount points /proc, /dev, /tmp and
    /// /sys are made in it).
    #[arg(long)]
    rw_root: bool,

    /// Show host directory HOST at GUEST inside, read-only (`HOST:GUEST`
    /// or `HOST:GUEST:ro`) or written through (`HOST:GUEST:rw`).
    /// Repeatable.
    #[arg(long, value_name = "HOST:GUEST[:ro|:rw]", value_parser = parse_bind)]
    bind: Vec<ExtraMount>,

    /// Mount a new tmpfs at GUEST, with at most N bytes of data
    /// (`GUEST` or `GUEST:size=N`; 1 GiB by default). Repeatable.
    #[arg(long, value_name = "GUEST[:size=N]", value_parser = parse_tmpfs)]
    tmpfs: Vec<ExtraMount>,

    /// The most file data all in-memory filesystems (/tmp, /dev/shm, the
    /// overlay's writes, --tmpfs) may hold together, in bytes (or with k,
    /// m, g); past it writes fail with ENOSPC.
    #[arg(long, value_name = "SIZE", default_value = "2g", value_parser = parse_size)]
    tmpfs_limit: u64,

    /// The directory the program starts in (made if missing); by default
    /// the one sandbox-exec was started in, if the sandbox has it.
    #[arg(long, value_name = "DIR")]
    cwd: Option<PathBuf>,

    /// The network the program's sockets reach: `none`, a private network
    /// with only loopback (127.0.0.1, ::1), up, so that nothing leaves the
    /// sandbox (needs root, to make the network namespace); or `host`,
    /// the host's network.
    #[arg(long, value_name = "none|host", default_value = "none", value_parser = parse_network)]
    network: Network,

    /// The most tasks (threads, and processes until reaped) the sandbox may
    /// hold at once; past it fork and clone fail with EAGAIN.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pids: Option<u32>,
    /// The most memory the sandbox's processes may commit together (bytes,
    /// or with k, m, g): private writable memory, as Linux's strict
    /// overcommit counts it; past it mmap, brk and fork fail with ENOMEM.
    /// It also caps the in-memory filesystems' data (--tmpfs-limit), as a
    /// budget of its own.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    memory: Option<u64>,
    /// The CPU time all the sandbox's tasks may use together (`30s`,
    /// `500ms`, `2m`, `1h`; a bare number is seconds); when it is spent
    /// the whole sandbox is killed and sandbox-exec exits with status 152
    /// (128 + SIGXCPU).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    cpu_time: Option<Duration>,
    /// How long the sandbox may run (as --cpu-time); when the time is up
    /// the whole sandbox is killed and sandbox-exec exits with status 124
    /// (as timeout(1)).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    wall_time: Option<Duration>,
    /// Print the system call table (what is implemented, and how fully) and exit.
    #[arg(long, exclusive = true)]
    syscalls: bool,

    /// The program to run (a static x86_64 executable), then its arguments.
    #[arg(required_unless_present = "syscalls", allow_hyphen_values = true, num_args = 1..)]
    command: Vec<OsString>,
}

/// Exit status when the program cannot be started (as shells use it).
const CANNOT_EXECUTE: u8 = 126;
/// Exit status when the program does not exist (as shells use it).
const NOT_FOUND: u8 = 127;
/// Exit status when --wall-time ran out (as timeout(1) reports it).
const WALL_TIME_SPENT: u8 = 124;
/// Exit status when --cpu-time was spent: 128 + SIGXCPU, as a shell
/// reports a program RLIMIT_CPU killed.
const CPU_TIME_SPENT: u8 = 128 + libc::SIGXCPU as u8;

fn main() -> ExitCode {
    // A bug in the sentry must end the sandbox, not leave it hanging with
    // one dead thread: report it and abort (the stubs die with us).
    std::panic::set_hook(Box::new(|info| {
        eprintln!("sandbox-exec: internal error in the sentry: {info}");
        std::process::abort();
    }));
    // Before any thread exists, so that all of them leave these signals to
    // the forwarder.
    tools::forward::block();
    let cli = Cli::parse();
    tools::logger::init(cli.log);
    if cli.syscalls {
        print_syscalls();
        return ExitCode::SUCCESS;
    }
    // Before any thread starts, and before the filter denies `unshare`.
    if let Err(e) = sentry::boot::enter_network(cli.network) {
        eprintln!(
            "sandbox-exec: cannot make the sandbox's private network (--network=none, the default): {e}; \
             it needs root (CAP_SYS_ADMIN) to make a network namespace; --network=host shares the host's network instead"
        );
        return ExitCode::from(CANNOT_EXECUTE);
    }
    if let Err(e) = sentry::hardening::harden() {
        eprintln!("sandbox-exec: cannot install the sentry's seccomp filter: {e}");
        return ExitCode::from(CANNOT_EXECUTE);
    }
    let path = PathBuf::from(&cli.command[0]);
    let stdio = match open_stdio() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sandbox-exec: cannot use standard input/output: {e}");
            return ExitCode::from(CANNOT_EXECUTE);
        }
    };
    let mounts = cli.bind.iter().chain(&cli.tmpfs).cloned().collect();
    let root = if cli.rw_root { RootFs::HostWritable(cli.root.clone()) } else { RootFs::HostOverlay(cli.root.clone()) };
    let kernel = KernelConfig { patch_syscalls: !cli.no_patch, max_tasks: cli.pids.map(|n| n as usize), cpu_time: cli.cpu_time, memory: cli.memory, ..KernelConfig::default() };
    let tmpfs_limit = cli.memory.map_or(cli.tmpfs_limit, |m| m.min(cli.tmpfs_limit));
    let config = BootConfig { kernel, root, mounts, tmpfs_limit, cwd: cli.cwd.clone(), network: cli.network };
    let kernel = match sentry::new_kernel(&config) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("sandbox-exec: cannot build the file tree (root {}): {e}", cli.root.display());
            return ExitCode::from(CANNOT_EXECUTE);
        }
    };
    let args = CreateProcessArgs { path: path.clone(), argv: cli.command.clone(), envv: std::env::vars_os().map(env_entry).collect(), stdio };
    let init = match kernel.create_process(args) {
        Ok(tg) => tg,
        Err(e) => {
            eprintln!("sandbox-exec: cannot execute {}: {e}", path.display());
            return ExitCode::from(if e.errno().0 == libc::ENOENT { NOT_FOUND } else { CANNOT_EXECUTE });
        }
    };
    kernel.start();
    if let Some(budget) = cli.wall_time {
        let kernel = kernel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(budget);
            kernel.end_for(Limit::WallTime);
        });
    }
    if let Err(e) = tools::forward::start(kernel.clone(), cli.signal_group) {
        eprintln!("sandbox-exec: cannot forward signals: {e}");
    }
    let status = init.wait_exited();
    kernel.wait_exited();
    match kernel.ended_by() {
        Some(Limit::WallTime) => {
            eprintln!("sandbox-exec: the sandbox ran out of wall time (--wall-time {}); every process was killed", show_duration(cli.wall_time));
            ExitCode::from(WALL_TIME_SPENT)
        }
        Some(Limit::CpuTime) => {
            eprintln!("sandbox-exec: the sandbox used up its CPU time (--cpu-time {}); every process was killed", show_duration(cli.cpu_time));
            ExitCode::from(CPU_TIME_SPENT)
        }
        None => ExitCode::from(status.map_or(0, |s| s.shell_code()) as u8),
    }
}

/// A duration as the user gave it, near enough.
fn show_duration(d: Option<Duration>) -> String {
    d.map_or_else(String::new, |d| format!("{:?}", d))
}

/// A duration: a number with `ms`, `s`, `m` or `h`, or a bare number of
/// seconds; fractions allowed (`1.5s`).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let seconds_per = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("bad duration {s}: use ms, s, m or h")),
    };
    let v: f64 = number.parse().map_err(|_| format!("bad duration {s}"))?;
    if !v.is_finite() || v <= 0.0 {
        return Err(format!("bad duration {s}: it must be more than zero"));
    }
    Duration::try_from_secs_f64(v * seconds_per).map_err(|_| format!("duration {s} is too long"))
}

/// An absolute path inside the sandbox.
fn guest_path(s: &str) -> Result<Vec<u8>, String> {
    if !s.starts_with('/') {
        return Err(format!("{s}: the path inside must be absolute"));
    }
    Ok(s.as_bytes().to_vec())
}

fn parse_network(s: &str) -> Result<Network, String> {
    match s {
        "none" => Ok(Network::None),
        "host" => Ok(Network::Host),
        _ => Err(format!("unknown network {s}: none or host")),
    }
}

fn parse_bind(s: &str) -> Result<ExtraMount, String> {
    let mut parts = s.splitn(3, ':');
    let (host, guest) = match (parts.next(), parts.next()) {
        (Some(h), Some(g)) if !h.is_empty() => (h, g),
        _ => return Err("expected HOST:GUEST[:ro|:rw]".into()),
    };
    let writable = match parts.next() {
        None | Some("ro") => false,
        Some("rw") => true,
        Some(o) => return Err(format!("unknown bind option {o}")),
    };
    Ok(ExtraMount::Bind { host: PathBuf::from(host), guest: guest_path(guest)?, writable })
}

/// A size in bytes, or with a `k`, `m` or `g` suffix.
fn parse_size(n: &str) -> Result<u64, String> {
    let (digits, mult) = match n.char_indices().last() {
        Some((i, 'k' | 'K')) => (&n[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&n[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&n[..i], 1 << 30),
        _ => (n, 1),
    };
    let v: u64 = digits.parse().map_err(|_| format!("bad size {n}"))?;
    v.checked_mul(mult).ok_or_else(|| format!("size {n} is too large"))
}

fn parse_tmpfs(s: &str) -> Result<ExtraMount, String> {
    let (guest, size) = match s.split_once(':') {
        None => (s, 1u64 << 30),
        Some((g, opt)) => (g, parse_size(opt.strip_prefix("size=").ok_or_else(|| format!("unknown tmpfs option {opt}"))?)?),
    };
    Ok(ExtraMount::Tmpfs { guest: guest_path(guest)?, size })
}

fn env_entry((k, v): (OsString, OsString)) -> OsString {
    let mut e = k;
    e.push("=");
    e.push(v);
    e
}

fn open_stdio() -> std::io::Result<[std::sync::Arc<sentry::vfs::OpenFile>; 3]> {
    HostFile::open_stdio([std::io::stdin().as_fd(), std::io::stdout().as_fd(), std::io::stderr().as_fd()])
}

fn print_syscalls() {
    println!("{:<4} {:<20} {:<14} note", "nr", "name", "support");
    for sc in TABLE {
        let (level, note) = match sc.support {
            Support::Full => ("full", ""),
            Support::Partial(n) => ("partial", n),
            Support::Unimplemented(n) => ("unimplemented", n),
        };
        println!("{:<4} {:<20} {:<14} {note}", sc.nr, sc.name, level);
    }
    println!("every other number: ENOSYS, reported once in the log");
}
