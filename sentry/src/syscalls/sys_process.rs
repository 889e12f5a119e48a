//! Processes: fork, vfork, clone and clone3 (for new processes), execve
//! and execveat, wait4 and waitid, and process groups and sessions.
//!
//! A new process is a host fork of the caller's stub process, so its
//! memory is a copy-on-write copy of the parent's. A process made with
//! `CLONE_VM` (`vfork`; glibc's and musl's `posix_spawn`, which clone with
//! `CLONE_VM | CLONE_VFORK`; or `CLONE_VM` alone) shares the parent's
//! memory instead, as on Linux: its one thread is a new host thread of the
//! parent's stub process, with a slot of its own, and it holds the
//! parent's memory map, which counts the processes using it
//! ([`crate::mm::Users`]), so that its writes, `mmap` and `munmap` are the
//! parent's. It is otherwise a process like any other, set up as a forked
//! one: its own PID, signal state (the dispositions copied), descriptors
//! unless `CLONE_FILES`, zombie and wait status; a signal or a fault kills
//! it alone. With `CLONE_VFORK` the parent waits until the child execs or
//! exits (or dies). `CLONE_SIGHAND` without `CLONE_THREAD` is accepted only
//! with `CLONE_VFORK`, and the handlers are then copied, not shared: the
//! parent runs no handler while it waits. One stub process holds at most
//! `abi::wire::MAX_THREADS` threads, those of its `CLONE_VM` children
//! included; beyond, `clone` fails with `EAGAIN`.
//!
//! `execve` maps the new image, found in the caller's file tree, into the
//! same stub process once everything else is unmapped there. A process
//! with other threads, or whose memory other processes share (a vfork
//! child's), gets a fresh stub process for it instead, so that the old
//! image survives a failure until the switch and the other processes keep
//! their memory; the old stub process then dies if no other process uses
//! it, or else only the exec'ing thread's host thread ends there.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use abi::errno::{E2BIG, EACCES, EAGAIN, EINVAL, ENOMEM, ERESTARTNOINTR, ESRCH};
use abi::fs::{at, PATH_MAX};
use abi::process::rlimit;
use abi::signal::{sig, SigAction, SigInfo, SIG_DFL, SIG_IGN};
use abi::{sysno, Errno, Pod};
use interposer::{AddressSpace, Context};

use super::{sys_rusage, Args, SysResult};
use crate::auth::cap;
use crate::kernel::exit::ExitStatus;
use crate::kernel::task::Task;
use crate::kernel::task_set::{child_siginfo, Reaped, WaitFor, WaitWant, INIT_PID};
use crate::kernel::thread_group::ThreadGroup;
use crate::vfs::context::wait_until;
use crate::waiter::events;
use crate::loader;
use crate::mm::{MemoryManager, PageReader};

#[allow(missing_docs)]
mod clone_flags {
    pub const CSIGNAL: u64 = 0xff;
    pub const VM: u64 = 0x100;
    pub const FS: u64 = 0x200;
    pub const FILES: u64 = 0x400;
    pub const SIGHAND: u64 = 0x800;
    pub const PTRACE: u64 = 0x2000;
    pub const VFORK: u64 = 0x4000;
    pub const PARENT: u64 = 0x8000;
    pub const THREAD: u64 = 0x10000;
    pub const NEWNS: u64 = 0x20000;
    pub const SYSVSEM: u64 = 0x40000;
    pub const SETTLS: u64 = 0x80000;
    pub const PARENT_SETTID: u64 = 0x100000;
    pub const CHILD_CLEARTID: u64 = 0x200000;
    pub const DETACHED: u64 = 0x400000;
    pub const UNTRACED: u64 = 0x800000;
    pub const CHILD_SETTID: u64 = 0x1000000;
    pub const IO: u64 = 0x8000_0000;
    pub const CLEAR_SIGHAND: u64 = 0x1_0000_0000;
}
use clone_flags as cf;

/// Flags a new process or thread may be created with. Sharing the
/// descriptor table (`CLONE_FILES`) and the root, working directory and
/// umask (`CLONE_FS`) are modelled; `CLONE_SYSVSEM` shares state the
/// sandbox does not have yet; the others
/// only concern tracing and I/O scheduling. Namespaces and pidfds are
/// refused with `EINVAL`.
const SUPPORTED: u64 = cf::CSIGNAL
    | cf::THREAD
    | cf::SIGHAND
    | cf::VM
    | cf::FS
    | cf::FILES
    | cf::VFORK
    | cf::PARENT
    | cf::SYSVSEM
    | cf::SETTLS
    | cf::PARENT_SETTID
    | cf::CHILD_CLEARTID
    | cf::DETACHED
    | cf::UNTRACED
    | cf::CHILD_SETTID
    | cf::PTRACE
    | cf::IO
    | cf::CLEAR_SIGHAND;

/// What a new process is made with (the union of clone and clone3).
struct CloneArgs {
    flags: u64,
    exit_signal: i32,
    stack: Option<u64>,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
}

fn create_process(t: &mut Task, c: CloneArgs) -> SysResult {
    let f = c.flags;
    if f & !SUPPORTED != 0 {
        return Err(EINVAL);
    }
    if f & cf::THREAD != 0 {
        return create_thread(t, c);
    }
    // A process sharing its parent's handlers is modelled only while the
    // parent waits (vfork), with a copy of them; anything else would be a
    // silent wrong answer.
    if f & cf::SIGHAND != 0 && f & cf::VFORK == 0 {
        return Err(EINVAL);
    }
    if f & cf::PARENT != 0 && t.tg.tgid == INIT_PID {
        return Err(EINVAL);
    }
    if !(0..=abi::signal::NSIG).contains(&c.exit_signal) {
        return Err(EINVAL);
    }
    let creds = t.tg.creds.lock().clone();
    let nproc = t.tg.limits.lock().get(rlimit::NPROC)?.cur;
    let exempt = creds.has_cap(cap::SYS_RESOURCE) || creds.has_cap(cap::SYS_ADMIN);
    if !exempt && t.kernel.tasks.processes_of(creds.uid) as u64 >= nproc {
        return Err(EAGAIN);
    }
    let (pgid, sid) = t.kernel.tasks.group_and_session(t.tg.tgid)?;
    let (parent, exit_signal) = if f & cf::PARENT != 0 {
        (t.kernel.tasks.parent_of(t.tg.tgid), t.tg.exit_signal)
    } else {
        (t.tg.tgid, c.exit_signal)
    };

    let shared = f & cf::VM != 0;
    // The PID first: past the sandbox's task limit nothing is made.
    let pid = t.kernel.tasks.allocate_pid()?;
    let memory = if shared { share_memory(t) } else { fork_memory(t) };
    let (mut ctx, mm) = memory.inspect_err(|_| t.kernel.tasks.release_pid(pid))?;
    if f & cf::SETTLS != 0 {
        let r = ctx.host_op(sysno::ARCH_PRCTL as u64, [abi::process::arch_prctl::SET_FS, c.tls, 0, 0, 0, 0]);
        if r.map(Errno::from_ret).ok().and_then(Result::ok).is_none() {
            abandon_memory(ctx, &mm, shared);
            t.kernel.tasks.release_pid(pid);
            return Err(EINVAL);
        }
    }
    let fds = if f & cf::FILES != 0 { None } else { Some(t.fds.fork_copy()) };
    let tg = ThreadGroup::forked(&t.tg, pid, exit_signal, fds.unwrap_or_default(), f & cf::VFORK != 0);
    if f & cf::CLEAR_SIGHAND != 0 {
        for a in tg.signals.lock().actions.iter_mut().filter(|a| a.handler != SIG_IGN) {
            a.handler = SIG_DFL;
        }
    }
    let mut child = match Task::forked(t, tg.clone(), ctx, mm.clone()) {
        Ok(c) => c,
        Err(_) => {
            // (The host thread or process went with the failed task.)
            t.kernel.tasks.release_pid(pid);
            if shared {
                mm.users().remove();
            }
            return Err(ENOMEM);
        }
    };
    if f & (cf::VM | cf::VFORK) == cf::VM {
        // As Linux: a child running beside its parent in one memory must
        // not share its signal stack (a vfork child may: the parent waits).
        child.altstack = crate::kernel::signal_frame::AltStack::DISABLED;
    }
    if f & cf::FILES != 0 {
        child.fds = t.fds.clone();
    }
    if f & cf::FS != 0 {
        child.fs = t.fs.clone();
    }
    child.ctx.regs.rax = 0;
    if let Some(sp) = c.stack {
        child.ctx.regs.rsp = sp;
    }
    if f & cf::SETTLS != 0 {
        child.fs_base = c.tls;
    }
    if f & cf::CHILD_SETTID != 0 {
        let _ = child.copy_out(c.child_tid, &pid.to_ne_bytes());
    }
    if f & cf::CHILD_CLEARTID != 0 {
        child.clear_child_tid = c.child_tid;
    }
    if f & cf::PARENT_SETTID != 0 {
        let _ = t.copy_out(c.parent_tid, &pid.to_ne_bytes());
    }
    t.kernel.tasks.add_process(tg.clone(), parent, pgid, sid);
    // A single-threaded parent runs nothing in the memory it shares with
    // its vfork child until the child execs or exits: the child may patch
    // syscall sites there meanwhile (see `mm::Users`).
    let suspended = shared && f & cf::VFORK != 0 && t.tg.exit.lock().live_threads == 1;
    if suspended {
        mm.users().suspend();
    }
    // The child returns from fork at once; its own sentry thread picks it
    // up at its next system call.
    child.ctx.resume();
    t.kernel.tasks.start(child);
    if f & cf::VFORK != 0 {
        // Killable only, as on Linux: a signal waits until the child has
        // exec'd or exited (polling then, since the pending signal keeps
        // ending the interruptible sleep).
        while wait_until(t, &tg.vfork_events, events::ALL, None, || tg.vfork_released.load(Ordering::SeqCst)).is_err()
            && t.tg.exit_status().is_none()
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    if suspended {
        mm.users().resume();
    }
    Ok(pid as u64)
}

/// The memory of a new process that does not share its parent's: a host
/// fork of the caller's stub process (copy-on-write), and a copy of its
/// map.
fn fork_memory(t: &mut Task) -> Result<(Context, Arc<MemoryManager>), Errno> {
    // The child's copy of the committed memory must fit in the sandbox's
    // budget (`ENOMEM`, as under Linux's strict overcommit).
    t.mm.check_fork()?;
    let (_space, ctx) = t.ctx.fork().map_err(|e| {
        log::warn!("fork failed on the host: {e}");
        EAGAIN
    })?;
    // (The host process dies with `ctx` if the copy is refused after all.)
    Ok((ctx, Arc::new(t.mm.fork_copy()?)))
}

/// Gives back the memory [`fork_memory`] or [`share_memory`] made for a
/// child that will not be: the host thread ends and the count of users
/// drops (`shared`), or the forked host process dies with its context.
fn abandon_memory(ctx: Context, mm: &MemoryManager, shared: bool) {
    if shared {
        mm.users().remove();
        ctx.exit_thread();
    }
}

/// The memory of a new process that shares its parent's (`CLONE_VM`): a
/// new host thread in the caller's stub process, with the caller's
/// registers and FP state, and the caller's map, which counts the child
/// among its users from now on.
fn share_memory(t: &mut Task) -> Result<(Context, Arc<MemoryManager>), Errno> {
    t.mm.users().add();
    // A process that has begun to exit takes no new user into its memory:
    // its threads decide from the count whether they must end their host
    // threads themselves or leave them to the host process's death (see
    // `Task::finish`), so the count must not grow after that. Linux,
    // likewise, refuses a clone when a fatal signal is pending.
    if t.tg.exit_status().is_some() {
        t.mm.users().remove();
        return Err(ERESTARTNOINTR);
    }
    let mut ctx = match t.ctx.spawn_thread() {
        Ok(ctx) => ctx,
        Err(e) => {
            log::warn!("cannot start a host thread: {e}");
            t.mm.users().remove();
            return Err(EAGAIN);
        }
    };
    ctx.regs = t.ctx.regs;
    // The new host thread starts with an FP state of the stub's making;
    // the child's is the parent's, as after a fork. (A clone trap always
    // comes with a signal frame that holds it.)
    if let Some(fp) = t.ctx.fpstate() {
        ctx.set_fpstate(&fp);
    }
    Ok((ctx, t.mm.clone()))
}

/// A new thread in the caller's process (`CLONE_THREAD`): its own host
/// thread and slot, the process's memory, handlers and (with
/// `CLONE_FILES`) descriptors.
fn create_thread(t: &mut Task, c: CloneArgs) -> SysResult {
    let f = c.flags;
    let tid = t.kernel.tasks.allocate_pid()?;
    let mut ctx = t.ctx.spawn_thread().map_err(|e| {
        log::warn!("cannot start a host thread: {e}");
        t.kernel.tasks.release_pid(tid);
        EAGAIN
    })?;
    ctx.regs = t.ctx.regs;
    ctx.regs.rax = 0;
    if let Some(sp) = c.stack {
        ctx.regs.rsp = sp;
    }
    let mut child = match Task::new_thread(t, ctx, tid) {
        Ok(c) => c,
        Err(_) => {
            t.kernel.tasks.release_pid(tid);
            return Err(ENOMEM);
        }
    };
    if f & cf::FILES == 0 {
        child.fds = Arc::new(t.fds.fork_copy());
    }
    if f & cf::FS != 0 {
        child.fs = t.fs.clone();
    }
    if f & cf::SETTLS != 0 {
        let r = child.ctx.host_op(sysno::ARCH_PRCTL as u64, [abi::process::arch_prctl::SET_FS, c.tls, 0, 0, 0, 0]);
        if r.map(Errno::from_ret).ok().and_then(Result::ok).is_none() {
            return Err(EINVAL);
        }
        child.fs_base = c.tls;
    }
    if f & cf::CHILD_SETTID != 0 {
        let _ = child.copy_out(c.child_tid, &tid.to_ne_bytes());
    }
    if f & cf::CHILD_CLEARTID != 0 {
        child.clear_child_tid = c.child_tid;
    }
    if f & cf::PARENT_SETTID != 0 {
        let _ = t.copy_out(c.parent_tid, &tid.to_ne_bytes());
    }
    child.ctx.resume();
    t.kernel.tasks.start(child);
    Ok(tid as u64)
}

/// `fork()`.
pub fn fork(t: &mut Task, _: Args) -> SysResult {
    create_process(t, CloneArgs { flags: 0, exit_signal: sig::SIGCHLD, stack: None, parent_tid: 0, child_tid: 0, tls: 0 })
}

/// `vfork()`.
pub fn vfork(t: &mut Task, _: Args) -> SysResult {
    let flags = cf::VM | cf::VFORK;
    create_process(t, CloneArgs { flags, exit_signal: sig::SIGCHLD, stack: None, parent_tid: 0, child_tid: 0, tls: 0 })
}

/// `clone(flags, stack, parent_tid, child_tid, tls)`, for new processes.
pub fn clone(t: &mut Task, a: Args) -> SysResult {
    let flags = a.u64(0);
    let stack = (a.u64(1) != 0).then_some(a.u64(1));
    let exit_signal = (flags & cf::CSIGNAL) as i32;
    check_combinations(flags)?;
    create_process(t, CloneArgs { flags: flags & !cf::CSIGNAL, exit_signal, stack, parent_tid: a.u64(2), child_tid: a.u64(3), tls: a.u64(4) })
}

/// The flag combinations Linux rejects whatever else is supported.
fn check_combinations(flags: u64) -> Result<(), Errno> {
    if flags & cf::THREAD != 0 && flags & cf::SIGHAND == 0 {
        return Err(EINVAL);
    }
    if flags & cf::SIGHAND != 0 && flags & cf::VM == 0 {
        return Err(EINVAL);
    }
    if flags & cf::NEWNS != 0 && flags & cf::FS != 0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// `struct clone_args` (the first 88 bytes, `CLONE_ARGS_SIZE_VER2`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Clone3Args {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}
abi::impl_pod!(Clone3Args);

/// `clone3(args, size)`, for new processes.
pub fn clone3(t: &mut Task, a: Args) -> SysResult {
    const SIZE_VER0: u64 = 64;
    let (addr, size) = (a.u64(0), a.u64(1));
    if size < SIZE_VER0 {
        return Err(EINVAL);
    }
    if size > abi::PAGE_SIZE {
        return Err(E2BIG);
    }
    let mut raw = vec![0u8; size as usize];
    t.copy_in(addr, &mut raw)?;
    let known = std::mem::size_of::<Clone3Args>();
    if raw.len() > known && raw[known..].iter().any(|&b| b != 0) {
        return Err(E2BIG);
    }
    raw.resize(known.max(raw.len()), 0);
    let c = Clone3Args::read_from(&raw).ok_or(EINVAL)?;
    if c.exit_signal & !cf::CSIGNAL != 0 || c.flags & cf::CSIGNAL != 0 || c.set_tid_size != 0 || c.set_tid != 0 || c.cgroup != 0 {
        return Err(EINVAL);
    }
    if (c.stack == 0) != (c.stack_size == 0) {
        return Err(EINVAL);
    }
    check_combinations(c.flags)?;
    let stack = (c.stack != 0).then(|| c.stack.wrapping_add(c.stack_size));
    let args = CloneArgs { flags: c.flags, exit_signal: c.exit_signal as i32, stack, parent_tid: c.parent_tid, child_tid: c.child_tid, tls: c.tls };
    create_process(t, args)
}

/// Reads a NULL-terminated array of string pointers, stopping with
/// `E2BIG` before the strings could exceed what `execve` accepts.
fn read_strings(t: &mut Task, reader: &mut PageReader, addr: u64) -> Result<Vec<OsString>, Errno> {
    const MAX_ARG_STRLEN: usize = 32 * 4096;
    const MAX_TOTAL: usize = 6 << 20;
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let (mm, space) = (t.mm.clone(), t.ctx.space().clone());
    let mut total = 0usize;
    let mut at = addr;
    loop {
        let mut word = [0u8; 8];
        reader.read(&mm, &space, at, &mut word)?;
        let p = u64::from_ne_bytes(word);
        if p == 0 {
            return Ok(out);
        }
        let s = reader.cstring(&mm, &space, p, MAX_ARG_STRLEN)?.ok_or(E2BIG)?;
        total += s.len() + 1 + 8;
        if total > MAX_TOTAL {
            return Err(E2BIG);
        }
        out.push(OsString::from_vec(s));
        at = at.checked_add(8).ok_or(abi::errno::EFAULT)?;
    }
}

/// The program an `execve` path names, found in the caller's file tree.
fn find_program(t: &Task, dirfd: i32, path: &[u8], follow: bool) -> Result<loader::Executable, Errno> {
    let creds = t.tg.creds.lock().clone();
    let root = t.fs.root();
    let start = super::sys_path::start_of(t, dirfd, path)?;
    crate::loader::find_executable(&t.kernel.mounts, &creds, &root, &start, path, follow)
}

fn exec(t: &mut Task, path_addr: u64, argv_addr: u64, envp_addr: u64, dirfd: i32, flags: u32) -> SysResult {
    if flags & !(at::EMPTY_PATH | at::SYMLINK_NOFOLLOW) != 0 {
        return Err(EINVAL);
    }
    let path = t.read_cstring(path_addr, PATH_MAX)?;
    let mut reader = PageReader::default();
    let mut argv = read_strings(t, &mut reader, argv_addr)?;
    if argv.is_empty() {
        // As Linux does since 5.18: no program starts with argc 0.
        argv.push(OsString::new());
    }
    let envv = read_strings(t, &mut reader, envp_addr)?;
    let exe = if path.is_empty() && flags & at::EMPTY_PATH != 0 {
        let loc = t.fds.get(dirfd)?.ops.location().ok_or(EACCES)?;
        let creds = t.tg.creds.lock().clone();
        crate::loader::executable(&creds, &t.fs.root(), &loc)?
    } else {
        find_program(t, dirfd, &path, flags & at::SYMLINK_NOFOLLOW == 0)?
    };
    let program = loader::open_program(exe, argv, |p| find_program(t, at::FDCWD, p, true)).map_err(|e| e.errno())?;
    let prepared = loader::prepare(t, &program, &path, &envv).map_err(|e| e.errno())?;
    if t.tg.exit.lock().live_threads == 1 && !t.mm.is_shared() {
        replace_image(t, &program, prepared, &path)?;
    } else {
        exec_in_new_process(t, &program, prepared, &path)?;
    }
    // The task's handle and /proc's view of it name the new memory map.
    t.kernel.tasks.update_handle(t.handle());
    crate::kernel::task::set_current(t);
    t.tg.posix_timers.clear();
    finish_exec(t, program.exe.path);
    Ok(0)
}

/// `execve` in a single-threaded process (the usual case): the new image
/// replaces the old one in the same stub process, sparing a host process's
/// start and end. Past the checks of [`loader::prepare`] a failure cannot
/// return to the old image: the process dies of SIGSEGV, as on Linux.
fn replace_image(t: &mut Task, program: &loader::Program, prepared: loader::Prepared, path: &[u8]) -> Result<(), Errno> {
    t.mm = Arc::new(MemoryManager::new(t.ctx.space().reserved(), t.mm.budget()));
    if let Err(e) = loader::exec(t, program, prepared, path, true) {
        log::warn!("execve of {} failed past the point of no return: {e}", program.exe.path.display());
        t.tg.begin_exit(ExitStatus::killed_by(sig::SIGSEGV));
        return Err(e.errno());
    }
    Ok(())
}

/// `execve` while other threads still run in the old image, or other
/// processes in the old memory (`CLONE_VM`, as a `vfork` child): the new
/// image is built in a fresh stub process, the old one surviving any
/// failure up to the switch; then the other threads end, this one becomes
/// the leader, and the process leaves the old memory: the old stub
/// process dies if no other process uses it, or else only this thread's
/// host thread ends there.
fn exec_in_new_process(t: &mut Task, program: &loader::Program, prepared: loader::Prepared, path: &[u8]) -> Result<(), Errno> {
    let (space, ctx) = AddressSpace::new().map_err(|_| ENOMEM)?;
    let old_ctx = std::mem::replace(&mut t.ctx, ctx);
    let budget = t.mm.budget();
    let old_mm = std::mem::replace(&mut t.mm, Arc::new(MemoryManager::new(space.reserved(), budget)));
    if let Err(e) = loader::exec(t, program, prepared, path, false) {
        t.ctx.space().kill();
        t.ctx = old_ctx;
        t.mm = old_mm;
        return Err(e.errno());
    }
    let old_tid = t.tid;
    let tg = t.tg.clone();
    t.tid = t.kernel.tasks.de_thread(tg.tgid, t.tid, &tg);
    t.cpu.set_tid(t.tid);
    // The task's handle names the new memory before the old one may be
    // left to other processes: a kill through the handle must never take
    // the old stub process for this one's.
    t.kernel.tasks.update_handle(t.handle());
    if old_mm.users().remove() {
        old_ctx.space().kill();
    } else {
        old_ctx.exit_thread();
    }
    t.tg.signals.lock().rebind_thread(old_tid, t.tid, t.ctx.kicker());
    // The next exec that needs a fresh stub process (a vfork child's,
    // most often: posix_spawn, shells, build tools, in a row) finds one
    // started ahead of need, as the first process does.
    interposer::prestart();
    Ok(())
}

/// What `execve` resets once the new image is in place.
fn finish_exec(t: &mut Task, exe: PathBuf) {
    t.fds.close_on_exec();
    for a in t.tg.signals.lock().actions.iter_mut() {
        let handler = if a.handler == SIG_IGN { SIG_IGN } else { SIG_DFL };
        *a = SigAction { handler, ..SigAction::default() };
    }
    *t.tg.exe.lock() = exe;
    t.tg.execed.store(true, Ordering::Relaxed);
    t.tg.dumpable.store(1, Ordering::Relaxed);
    t.tg.release_vfork();
    t.tg.creds.lock().exec();
    t.clear_child_tid = 0;
    t.robust_list = (0, 0);
    t.fs_base = 0;
    t.gs_base = 0;
    // Linux forgets the stack but keeps the flags it was set with.
    t.altstack = crate::kernel::signal_frame::AltStack { sp: 0, size: 0, ..t.altstack };
}

/// `execve(path, argv, envp)`.
pub fn execve(t: &mut Task, a: Args) -> SysResult {
    exec(t, a.u64(0), a.u64(1), a.u64(2), at::FDCWD, 0)
}

/// `execveat(dirfd, path, argv, envp, flags)`.
pub fn execveat(t: &mut Task, a: Args) -> SysResult {
    exec(t, a.u64(1), a.u64(2), a.u64(3), a.int(0), a.uint(4))
}

#[allow(missing_docs)]
mod wait_flags {
    pub const WNOHANG: u32 = 1;
    pub const WUNTRACED: u32 = 2;
    pub const WSTOPPED: u32 = 2;
    pub const WEXITED: u32 = 4;
    pub const WCONTINUED: u32 = 8;
    pub const WNOWAIT: u32 = 0x0100_0000;
    pub const NOTHREAD: u32 = 0x2000_0000;
    pub const ALL: u32 = 0x4000_0000;
    pub const CLONE: u32 = 0x8000_0000;
}
use wait_flags as w;

/// Waits for a child that `which` selects to change state as `want`
/// asks (unless `WNOHANG`). `Ok(None)`: nothing yet and `WNOHANG`.
fn wait_child(t: &mut Task, which: WaitFor, options: u32, want: WaitWant) -> Result<Option<Reaped>, Errno> {
    let (clones, all, keep) = (options & w::CLONE != 0, options & w::ALL != 0, options & w::WNOWAIT != 0);
    let tasks = &t.kernel.tasks;
    let me = t.tg.tgid;
    let reap = || tasks.reap(me, which, want, clones, all, keep);
    if options & w::WNOHANG != 0 {
        return reap();
    }
    let mut found = None;
    let tg = t.tg.clone();
    wait_until(t, &tg.child_events, events::ALL, None, || match reap() {
        Ok(None) => false,
        r => {
            found = Some(r);
            true
        }
    })?;
    found.unwrap_or(Ok(None))
}

/// `wait4(pid, wstatus, options, rusage)`.
pub fn wait4(t: &mut Task, a: Args) -> SysResult {
    let (pid, status_addr, options, usage_addr) = (a.int(0), a.u64(1), a.uint(2), a.u64(3));
    if options & !(w::WNOHANG | w::WUNTRACED | w::WCONTINUED | w::NOTHREAD | w::ALL | w::CLONE) != 0 {
        return Err(EINVAL);
    }
    let which = match pid {
        i32::MIN => return Err(ESRCH),
        -1 => WaitFor::Any,
        p if p < -1 => WaitFor::Group(-p),
        0 => WaitFor::Group(t.kernel.tasks.group_and_session(t.tg.tgid)?.0),
        p => WaitFor::Pid(p),
    };
    let want = WaitWant { exited: true, stopped: options & w::WUNTRACED != 0, continued: options & w::WCONTINUED != 0 };
    let Some(r) = wait_child(t, which, options & !w::WNOWAIT, want)? else { return Ok(0) };
    if status_addr != 0 {
        t.write_obj(status_addr, &r.state.wait_status())?;
    }
    if usage_addr != 0 {
        t.copy_out(usage_addr, &sys_rusage::encode(&r.usage))?;
    }
    Ok(r.pid as u64)
}

/// `waitid(idtype, id, infop, options, rusage)`.
pub fn waitid(t: &mut Task, a: Args) -> SysResult {
    const P_ALL: u32 = 0;
    const P_PID: u32 = 1;
    const P_PGID: u32 = 2;
    let (idtype, id, info_addr, options, usage_addr) = (a.uint(0), a.int(1), a.u64(2), a.uint(3), a.u64(4));
    let valid = w::WNOHANG | w::WEXITED | w::WSTOPPED | w::WCONTINUED | w::WNOWAIT | w::NOTHREAD | w::ALL | w::CLONE;
    if options & !valid != 0 || options & (w::WEXITED | w::WSTOPPED | w::WCONTINUED) == 0 {
        return Err(EINVAL);
    }
    let which = match idtype {
        P_ALL => WaitFor::Any,
        P_PID if id > 0 => WaitFor::Pid(id),
        P_PGID if id > 0 => WaitFor::Group(id),
        P_PGID if id == 0 => WaitFor::Group(t.kernel.tasks.group_and_session(t.tg.tgid)?.0),
        _ => return Err(EINVAL),
    };
    let want = WaitWant { exited: options & w::WEXITED != 0, stopped: options & w::WSTOPPED != 0, continued: options & w::WCONTINUED != 0 };
    let r = wait_child(t, which, options, want)?;
    let info = match r {
        Some(r) => {
            let (code, status) = r.state.child_code_and_status();
            child_siginfo(code, r.pid, r.uid, status, r.usage)
        }
        // Nothing yet (WNOHANG): a zeroed siginfo.
        None => SigInfo::new(0, 0),
    };
    if info_addr != 0 {
        t.write_obj(info_addr, &info)?;
    }
    if let (Some(r), true) = (r, usage_addr != 0) {
        t.copy_out(usage_addr, &sys_rusage::encode(&r.usage))?;
    }
    Ok(0)
}

/// `setpgid(pid, pgid)`.
pub fn setpgid(t: &mut Task, a: Args) -> SysResult {
    let pid = if a.int(0) == 0 { t.tg.tgid } else { a.int(0) };
    let pgid = if a.int(1) == 0 { pid } else { a.int(1) };
    if pgid < 0 {
        return Err(EINVAL);
    }
    if pid < 0 {
        return Err(ESRCH);
    }
    t.kernel.tasks.set_pgid(t.tg.tgid, pid, pgid).map(|_| 0)
}

fn pid_or_self(t: &Task, pid: i32) -> Result<i32, Errno> {
    match pid {
        0 => Ok(t.tg.tgid),
        p if p < 0 => Err(ESRCH),
        p => Ok(p),
    }
}

/// `getpgid(pid)`.
pub fn getpgid(t: &mut Task, a: Args) -> SysResult {
    let pid = pid_or_self(t, a.int(0))?;
    Ok(t.kernel.tasks.group_and_session(pid)?.0 as u64)
}

/// `getpgrp()`.
pub fn getpgrp(t: &mut Task, _: Args) -> SysResult {
    Ok(t.kernel.tasks.group_and_session(t.tg.tgid)?.0 as u64)
}

/// `getsid(pid)`.
pub fn getsid(t: &mut Task, a: Args) -> SysResult {
    let pid = pid_or_self(t, a.int(0))?;
    Ok(t.kernel.tasks.group_and_session(pid)?.1 as u64)
}

/// `setsid()`.
pub fn setsid(t: &mut Task, _: Args) -> SysResult {
    t.kernel.tasks.set_sid(t.tg.tgid).map(|s| s as u64)
}
