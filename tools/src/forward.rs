//! Forwarding the signals `sandbox-exec` receives into the sandbox.
//!
//! The signals a user sends a running command (^C, `kill`) are blocked in
//! every thread of the process and taken by one thread with `sigwaitinfo`,
//! which hands each to the kernel; a second SIGINT within a second kills
//! the sandbox outright, for a program that ignores the first.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sentry::{ExitStatus, Kernel};

/// The signals forwarded.
pub const FORWARDED: [i32; 6] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2];

/// How close a second SIGINT must follow the first to kill the sandbox.
const DOUBLE_INTERRUPT: Duration = Duration::from_secs(1);

fn forwarded_set() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t; the numbers are valid signals.
    unsafe {
        libc::sigemptyset(&mut set);
        for s in FORWARDED {
            libc::sigaddset(&mut set, s);
        }
    }
    set
}

/// Blocks the forwarded signals in the calling thread, and so in every
/// thread it starts from now on. Call first thing in `main`.
pub fn block() {
    let set = forwarded_set();
    // SAFETY: `set` is a valid sigset_t; no old mask is asked for.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
}

/// Starts the thread that forwards the blocked signals to `kernel`: to
/// init, or with `group` to init's process group.
pub fn start(kernel: Arc<Kernel>, group: bool) -> std::io::Result<()> {
    std::thread::Builder::new().name("signal-forwarder".into()).spawn(move || {
        let set = forwarded_set();
        let mut last_interrupt: Option<Instant> = None;
        loop {
            // SAFETY: `set` is a valid sigset_t; no siginfo is asked for.
            let signo = unsafe { libc::sigwaitinfo(&set, std::ptr::null_mut()) };
            if signo < 0 {
                continue;
            }
            if signo == libc::SIGINT {
                if last_interrupt.is_some_and(|t| t.elapsed() < DOUBLE_INTERRUPT) {
                    log::warn!("a second SIGINT within a second: killing the sandbox");
                    kernel.kill(ExitStatus::killed_by(libc::SIGKILL));
                    continue;
                }
                last_interrupt = Some(Instant::now());
            }
            if kernel.send_external_signal(signo, group).is_err() {
                log::debug!("signal {signo} not forwarded: init is gone");
            }
        }
    })?;
    Ok(())
}
