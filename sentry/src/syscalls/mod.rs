//! System calls: the table, and the handlers in one file per family.
//!
//! The table says, for each number the sandbox knows, its name, its handler
//! and how completely it is implemented; `sandbox-exec --syscalls` prints
//! it. A number not in the table returns `ENOSYS` and is reported once in
//! the sentry's log. A handler returns `Ok(value)` or `Err(errno)` and
//! never panics on app input: every argument and every byte read from the
//! app is checked.

mod sys_epoll;
mod sys_eventfd;
mod sys_fd;
mod sys_futex;
mod sys_file;
mod sys_identity;
mod sys_inotify;
mod sys_itimer;
mod sys_memfd;
mod sys_mmap;
mod sys_path;
mod sys_pipe;
mod sys_poll;
mod sys_prctl;
mod sys_process;
mod sys_random;
mod sys_read_write;
mod sys_rlimit;
mod sys_rusage;
mod sys_sched;
mod sys_signal;
mod sys_socket;
mod sys_splice;
mod sys_stat;
mod sys_thread;
mod sys_time;
mod sys_timerfd;
mod sys_utsname;
mod sys_xattr;
mod table;

use abi::errno::{EINTR, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, ERESTART_RESTARTBLOCK};
use abi::{sysno, Errno};

use crate::kernel::task::Task;

pub use table::{lookup, Support, Syscall, TABLE};

/// What a handler returns.
pub type SysResult = Result<u64, Errno>;

/// A handler: the calling task and its six raw arguments.
pub type Handler = fn(&mut Task, Args) -> SysResult;

/// The six raw arguments of a system call, with the conversions Linux
/// applies to them (an `int` argument is the low 32 bits, sign-extended).
#[derive(Debug, Clone, Copy)]
pub struct Args(pub [u64; 6]);

impl Args {
    /// Argument `i` as a C `int`.
    pub fn int(&self, i: usize) -> i32 {
        self.0[i] as i32
    }
    /// Argument `i` as a C `unsigned int`.
    pub fn uint(&self, i: usize) -> u32 {
        self.0[i] as u32
    }
    /// Argument `i` as a full 64-bit value (a pointer, a size, a `long`).
    pub fn u64(&self, i: usize) -> u64 {
        self.0[i]
    }
    /// Argument `i` as a signed `long`.
    pub fn i64(&self, i: usize) -> i64 {
        self.0[i] as i64
    }
}

/// Serves the system call the task just trapped, leaving the result in
/// its return register.
pub fn dispatch(task: &mut Task) {
    let nr = task.ctx.regs.syscall_nr();
    let args = Args(task.ctx.regs.syscall_args());
    // Only a trapped call can make its site worth patching, and only code
    // no other thread can be running is patched (see `mm::patching`).
    if task.kernel.patch_syscalls && !task.ctx.entered_fast() && task.tg.exit.lock().live_threads == 1 && task.mm.users().runs_alone() {
        let rip = task.ctx.regs.rip;
        task.mm.note_syscall_trap(&mut task.ctx, rip, nr);
    }
    let result = match lookup(nr) {
        Some(sc) => (sc.handler)(task, args),
        None => {
            task.kernel.emit_unimplemented(nr, task.tg.tgid);
            Err(abi::errno::ENOSYS)
        }
    };
    let result = match result {
        // A wait a signal ended: restart it as Linux would this call.
        Err(EINTR) if task.signal_pending() => Err(restart_code(nr)),
        r => r,
    };
    if let Err(e @ (ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK)) = result {
        task.set_restart(e, nr);
    }
    task.ctx.regs.set_return(match result {
        Ok(v) => v,
        Err(e) => e.to_ret() as u64,
    });
}

/// How call `nr` restarts when a signal interrupts its wait: most restart
/// unless a handler without `SA_RESTART` runs (`ERESTARTSYS`); the waits
/// for readiness restart only when no handler runs; a few never do. (Calls
/// with their own rules, such as sleeps and timed futex waits, return
/// their `ERESTART*` code themselves.)
fn restart_code(nr: u64) -> Errno {
    match u32::try_from(nr).unwrap_or(u32::MAX) {
        sysno::POLL | sysno::PPOLL | sysno::SELECT | sysno::PSELECT6 => ERESTARTNOHAND,
        sysno::EPOLL_WAIT | sysno::EPOLL_PWAIT | sysno::EPOLL_PWAIT2 | sysno::RT_SIGTIMEDWAIT => EINTR,
        _ => ERESTARTSYS,
    }
}

/// The handler of a system call the sandbox knows but does not implement:
/// its table entry says why.
fn enosys(_: &mut Task, _: Args) -> SysResult {
    Err(abi::errno::ENOSYS)
}
