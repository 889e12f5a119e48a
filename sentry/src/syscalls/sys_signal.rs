//! Signal system calls: actions and masks, sending, waiting, the
//! alternate stack and `rt_sigreturn` (delivery itself is the task's, in
//! `kernel::task_signals`).

use abi::errno::{EAGAIN, EINTR, EINVAL, EPERM, ERESTARTNOHAND, ESRCH};
use abi::signal::{code, how, sa, sig, SigAction, SigInfo, SigSet, StackT, SIG_DFL, SIG_IGN};
use abi::time::Timespec;
use abi::Errno;

use super::{Args, SysResult};
use crate::auth::cap;
use crate::kernel::signal::{self, default_action, DefaultAction};
use crate::kernel::task::Task;
use crate::kernel::task_set::INIT_PID;
use crate::kernel::thread_group::ThreadGroup;

/// The size of the kernel's `sigset_t`.
const SIGSET_SIZE: u64 = 8;

/// The flags Linux keeps in an action (`UAPI_SA_FLAGS` with x86's
/// `SA_RESTORER`); others read back as clear.
const KEPT_FLAGS: u64 =
    sa::NOCLDSTOP | sa::NOCLDWAIT | sa::SIGINFO | sa::ONSTACK | sa::RESTART | sa::NODEFER | sa::RESETHAND | sa::RESTORER | sa::UNSUPPORTED;

/// `rt_sigaction(signum, act, oldact, sigsetsize)`.
pub fn rt_sigaction(t: &mut Task, a: Args) -> SysResult {
    if a.u64(3) != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let signo = a.int(0);
    let new = if a.u64(1) != 0 { Some(t.read_obj::<SigAction>(a.u64(1))?) } else { None };
    if !signal::valid(signo) || (new.is_some() && (signo == sig::SIGKILL || signo == sig::SIGSTOP)) {
        return Err(EINVAL);
    }
    let old = {
        let mut s = t.tg.signals.lock();
        let old = s.action(signo);
        if let Some(mut act) = new {
            act.flags &= KEPT_FLAGS & !sa::UNSUPPORTED;
            act.mask = act.mask.blockable();
            s.actions[signo as usize - 1] = act;
            // POSIX: a pending signal whose action becomes "ignore" is discarded.
            if act.handler == SIG_IGN || (act.handler == SIG_DFL && default_action(signo) == DefaultAction::Ignore) {
                s.discard(signo);
            }
        }
        old
    };
    if a.u64(2) != 0 {
        t.write_obj(a.u64(2), &old)?;
    }
    Ok(0)
}

/// `rt_sigprocmask(how, set, oldset, sigsetsize)`.
pub fn rt_sigprocmask(t: &mut Task, a: Args) -> SysResult {
    if a.u64(3) != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let old = t.sigmask();
    if a.u64(1) != 0 {
        let set = t.read_obj::<SigSet>(a.u64(1))?;
        let new = match a.u64(0) {
            how::SIG_BLOCK => SigSet(old.0 | set.0),
            how::SIG_UNBLOCK => SigSet(old.0 & !set.0),
            how::SIG_SETMASK => set,
            _ => return Err(EINVAL),
        };
        t.set_sigmask(new, false);
    }
    if a.u64(2) != 0 {
        t.write_obj(a.u64(2), &old)?;
    }
    Ok(0)
}

/// `rt_sigpending(set, sigsetsize)`: the pending signals that are blocked.
pub fn rt_sigpending(t: &mut Task, a: Args) -> SysResult {
    let size = a.u64(1);
    if size > SIGSET_SIZE {
        return Err(EINVAL);
    }
    let pending = {
        let s = t.tg.signals.lock();
        let own = s.threads.get(&t.tid).map_or(SigSet(0), |th| SigSet(th.pending.set().0 & th.mask.0));
        let mask = s.threads.get(&t.tid).map_or(SigSet(0), |th| th.mask);
        SigSet(own.0 | (s.shared.set().0 & mask.0))
    };
    t.copy_out(a.u64(0), &pending.0.to_ne_bytes()[..size as usize])?;
    Ok(0)
}

/// Sleeps until a signal is pending (or the process must stop or exit).
fn sleep_until_signal(t: &Task) {
    while !t.signal_pending() {
        // Only an interruption ends a sleep with no deadline.
        let _ = t.waiter.sleep_until(None);
    }
}

/// `rt_sigsuspend(mask, sigsetsize)`: waits for a signal with `mask` in
/// force; the handler's frame restores the old mask.
pub fn rt_sigsuspend(t: &mut Task, a: Args) -> SysResult {
    if a.u64(1) != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mask: SigSet = t.read_obj(a.u64(0))?;
    t.set_sigmask(mask, true);
    sleep_until_signal(t);
    Err(ERESTARTNOHAND)
}

/// `pause()`.
pub fn pause(t: &mut Task, _: Args) -> SysResult {
    sleep_until_signal(t);
    Err(ERESTARTNOHAND)
}

/// `rt_sigtimedwait(set, info, timeout, sigsetsize)`: takes a pending
/// signal of `set`, waiting for one up to the timeout (`EAGAIN` then) while
/// those signals are unblocked; another signal ends the wait with `EINTR`.
pub fn rt_sigtimedwait(t: &mut Task, a: Args) -> SysResult {
    if a.u64(3) != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let set = t.read_obj::<SigSet>(a.u64(0))?.blockable();
    let timeout = if a.u64(2) != 0 {
        let ts: Timespec = t.read_obj(a.u64(2))?;
        if !ts.is_valid() {
            return Err(EINVAL);
        }
        Some(std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    } else {
        None
    };
    let mut info = t.tg.signals.lock().dequeue(t.tid, set);
    if info.is_none() && timeout != Some(std::time::Duration::ZERO) {
        let deadline = timeout.and_then(crate::waiter::deadline_after);
        let blocked = t.sigmask();
        t.set_awaited(set);
        t.set_sigmask(SigSet(blocked.0 & !set.0), false);
        loop {
            let _ = t.waiter.sleep_until(deadline);
            info = t.tg.signals.lock().dequeue(t.tid, set);
            if info.is_some() || deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                break;
            }
            // Woken early: by a signal outside the set, which ends the
            // wait, or by an interruption already dealt with (one left
            // from before the call), which must not end it as a timeout.
            t.tg.signals.lock().recalc(t.tid);
            if t.signal_pending() {
                break;
            }
        }
        t.set_sigmask(blocked, false);
        t.set_awaited(SigSet(0));
        // One of the set may have come as the wait ended.
        info = info.or_else(|| t.tg.signals.lock().dequeue(t.tid, set));
        if info.is_none() && t.signal_pending() {
            return Err(EINTR);
        }
    }
    {
        let s = t.tg.signals.lock();
        s.recalc(t.tid);
    }
    let info = info.ok_or(EAGAIN)?;
    if a.u64(1) != 0 {
        t.write_obj(a.u64(1), &info)?;
    }
    Ok(info.signo as u64)
}

/// Whether the caller may send `signo` to `target` (Linux's
/// `check_kill_permission`): same user, `CAP_KILL`, or `SIGCONT` within
/// the session.
fn may_signal(t: &Task, target: &ThreadGroup, signo: i32) -> Result<(), Errno> {
    if std::ptr::eq(target, &*t.tg) {
        return Ok(());
    }
    let me = t.tg.creds.lock().clone();
    let (uid, suid) = {
        let c = target.creds.lock();
        (c.uid, c.suid)
    };
    let same_user = [me.uid, me.euid].iter().any(|u| *u == uid || *u == suid);
    if same_user || me.has_cap(cap::KILL) {
        return Ok(());
    }
    let sessions = (t.kernel.tasks.group_and_session(t.tg.tgid), t.kernel.tasks.group_and_session(target.tgid));
    if let (sig::SIGCONT, (Ok((_, a)), Ok((_, b)))) = (signo, sessions) {
        if a == b {
            return Ok(());
        }
    }
    Err(EPERM)
}

/// Sends `info` (signal 0: only checks) to process `tg`, or to its thread
/// `thread`, after the permission check.
fn send_checked(t: &Task, tg: &std::sync::Arc<ThreadGroup>, info: SigInfo, thread: Option<i32>) -> Result<(), Errno> {
    // As on Linux, the number is checked once the target is found.
    check_signo(info.signo)?;
    may_signal(t, tg, info.signo)?;
    if info.signo == 0 {
        return Ok(());
    }
    tg.send_signal(&t.kernel.tasks, info, thread)
}

/// The signal a process sends: `SI_USER` or `SI_TKILL`, from its pid and uid.
fn user_info(t: &Task, signo: i32, code: i32) -> SigInfo {
    SigInfo::from_process(signo, code, t.tg.tgid, t.tg.creds.lock().uid)
}

/// The process of thread `tid` (a zombie too: a signal to it is
/// accepted and has no effect, as on Linux).
fn process_of(t: &Task, tid: i32) -> Result<std::sync::Arc<ThreadGroup>, Errno> {
    let tasks = &t.kernel.tasks;
    // A thread id names its process; a reaped process is gone even while
    // its last thread is still finishing.
    tasks.process(tid).or_else(|| tasks.handle(tid).and_then(|h| tasks.process(h.tg.tgid))).ok_or(ESRCH)
}

/// Sends to every process in `pids`: success if any send did; else the
/// last error (`ESRCH` when there was none to send to).
fn send_to_many(t: &Task, pids: impl IntoIterator<Item = i32>, info: SigInfo) -> SysResult {
    let mut result = Err(ESRCH);
    for pid in pids {
        let Some(tg) = t.kernel.tasks.thread_group(pid) else { continue };
        match send_checked(t, &tg, info, None) {
            Ok(()) => result = Ok(0),
            Err(e) if result.is_err() => result = Err(e),
            Err(_) => {}
        }
    }
    result
}

fn check_signo(signo: i32) -> Result<(), Errno> {
    if signo == 0 || signal::valid(signo) {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

/// `kill(pid, sig)`.
pub fn kill(t: &mut Task, a: Args) -> SysResult {
    let (pid, signo) = (a.int(0), a.int(1));
    let info = user_info(t, signo, code::SI_USER);
    match pid {
        p if p > 0 => {
            let tg = process_of(t, p)?;
            send_checked(t, &tg, info, None).map(|()| 0)
        }
        0 => {
            let pgid = t.kernel.tasks.group_and_session(t.tg.tgid)?.0;
            send_to_many(t, t.kernel.tasks.group_members(pgid), info)
        }
        -1 => {
            let me = t.tg.tgid;
            let all = t.kernel.tasks.all_processes().into_iter().filter(|&p| p != INIT_PID && p != me);
            send_to_many(t, all, info)
        }
        i32::MIN => Err(ESRCH),
        p => send_to_many(t, t.kernel.tasks.group_members(-p), info),
    }
}

/// Sends a thread-directed signal to thread `tid`, of process `tgid`
/// when it is given.
fn send_to_thread(t: &Task, tgid: Option<i32>, tid: i32, info: SigInfo) -> SysResult {
    let tg = t.kernel.tasks.handle(tid).map(|h| h.tg).ok_or(ESRCH)?;
    if tgid.is_some_and(|g| g != tg.tgid) {
        return Err(ESRCH);
    }
    send_checked(t, &tg, info, Some(tid)).map(|()| 0)
}

/// `tgkill(tgid, tid, sig)`.
pub fn tgkill(t: &mut Task, a: Args) -> SysResult {
    let (tgid, tid, signo) = (a.int(0), a.int(1), a.int(2));
    if tgid <= 0 || tid <= 0 {
        return Err(EINVAL);
    }
    send_to_thread(t, Some(tgid), tid, user_info(t, signo, code::SI_TKILL))
}

/// `tkill(tid, sig)`.
pub fn tkill(t: &mut Task, a: Args) -> SysResult {
    let (tid, signo) = (a.int(0), a.int(1));
    if tid <= 0 {
        return Err(EINVAL);
    }
    send_to_thread(t, None, tid, user_info(t, signo, code::SI_TKILL))
}

/// Reads the siginfo of `rt_sigqueueinfo` and `rt_tgsigqueueinfo`: a
/// process may not pose as the kernel or as `kill` to another process.
fn queued_info(t: &mut Task, addr: u64, signo: i32, target_tgid: i32) -> Result<SigInfo, Errno> {
    let mut info: SigInfo = t.read_obj(addr)?;
    if (info.code >= 0 || info.code == code::SI_TKILL) && target_tgid != t.tg.tgid {
        return Err(EPERM);
    }
    info.signo = signo;
    Ok(info)
}

/// `rt_sigqueueinfo(tgid, sig, info)`.
pub fn rt_sigqueueinfo(t: &mut Task, a: Args) -> SysResult {
    let (pid, signo) = (a.int(0), a.int(1));
    let tg = process_of(t, pid)?;
    let info = queued_info(t, a.u64(2), signo, tg.tgid)?;
    send_checked(t, &tg, info, None).map(|()| 0)
}

/// `rt_tgsigqueueinfo(tgid, tid, sig, info)`.
pub fn rt_tgsigqueueinfo(t: &mut Task, a: Args) -> SysResult {
    let (tgid, tid, signo) = (a.int(0), a.int(1), a.int(2));
    if tgid <= 0 || tid <= 0 {
        return Err(EINVAL);
    }
    let info = queued_info(t, a.u64(3), signo, tgid)?;
    send_to_thread(t, Some(tgid), tid, info)
}

/// `sigaltstack(ss, old_ss)`.
pub fn sigaltstack(t: &mut Task, a: Args) -> SysResult {
    let sp = t.ctx.regs.rsp;
    let old = t.altstack.report(sp);
    if a.u64(0) != 0 {
        let ss: StackT = t.read_obj(a.u64(0))?;
        t.change_altstack(&ss, sp)?;
    }
    if a.u64(1) != 0 {
        t.write_obj(a.u64(1), &old)?;
    }
    Ok(0)
}

/// `rt_sigreturn()`.
pub fn rt_sigreturn(t: &mut Task, _: Args) -> SysResult {
    t.sigreturn()
}

/// `restart_syscall()`: the rest of a call a signal interrupted.
pub fn restart_syscall(t: &mut Task, _: Args) -> SysResult {
    match t.restart_block.take() {
        Some(rest) => rest(t),
        None => Err(EINTR),
    }
}

/// `signalfd4(fd, mask, sizemask, flags)`: a new signalfd reading `mask`,
/// or (`fd` not -1) a new mask for an existing one.
pub fn signalfd4(t: &mut Task, a: Args) -> SysResult {
    do_signalfd(t, a.int(0), a.u64(1), a.u64(2), a.uint(3))
}

/// `signalfd(fd, mask, sizemask)`.
pub fn signalfd(t: &mut Task, a: Args) -> SysResult {
    do_signalfd(t, a.int(0), a.u64(1), a.u64(2), 0)
}

fn do_signalfd(t: &mut Task, fd: i32, mask_addr: u64, size: u64, flags: u32) -> SysResult {
    use crate::fsimpl::signalfd::{SFD_CLOEXEC, SFD_NONBLOCK};
    if flags & !(SFD_CLOEXEC | SFD_NONBLOCK) != 0 || size != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mask: SigSet = t.read_obj(mask_addr)?;
    if fd != -1 {
        let file = t.fds.get(fd)?;
        file.downcast::<crate::fsimpl::signalfd::SignalFd>().ok_or(EINVAL)?.set_mask(mask);
        return Ok(fd as u64);
    }
    let file = crate::fsimpl::signalfd::SignalFd::create(t, mask, flags);
    let limit = super::sys_fd::nofile_limit(t);
    t.fds.install(file, flags & SFD_CLOEXEC != 0, limit).map(|fd| fd as u64)
}
