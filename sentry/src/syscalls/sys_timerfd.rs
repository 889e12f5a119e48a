//! timerfd_create, timerfd_settime, timerfd_gettime.

use abi::errno::{EINVAL, EPERM};
use abi::time::clock;
use abi::Pod;

use super::sys_fd::nofile_limit;
use super::sys_itimer::CAP_WAKE_ALARM;
use super::sys_time::timer_clock;
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::fsimpl::timerfd::{Itimerspec, TFD_CLOEXEC, TFD_NONBLOCK, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET};
use crate::fsimpl::timerfd::TimerFd;

/// `timerfd_create(clockid, flags)`: realtime, monotonic and boottime, and
/// their alarm variants for a caller with `CAP_WAKE_ALARM` (they never
/// wake a suspended machine here, as none is suspended).
pub fn timerfd_create(t: &mut Task, a: Args) -> SysResult {
    let (id, flags) = (a.int(0), a.uint(1));
    if flags & !(TFD_CLOEXEC | TFD_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    let clock = match id {
        clock::REALTIME | clock::MONOTONIC | clock::BOOTTIME | clock::REALTIME_ALARM | clock::BOOTTIME_ALARM => {
            timer_clock(&t.kernel, id).ok_or(EINVAL)?
        }
        _ => return Err(EINVAL),
    };
    if matches!(id, clock::REALTIME_ALARM | clock::BOOTTIME_ALARM) && !t.tg.creds.lock().has_cap(CAP_WAKE_ALARM) {
        return Err(EPERM);
    }
    let file = TimerFd::create(t, clock, flags);
    let limit = nofile_limit(t);
    t.fds.install(file, flags & TFD_CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `timerfd_settime(fd, flags, new, old)`, with Linux's checks in its
/// order: reading the new value, the flags and its validity, the
/// descriptor.
pub fn timerfd_settime(t: &mut Task, a: Args) -> SysResult {
    let (fd, flags, new, old) = (a.int(0), a.uint(1), a.u64(2), a.u64(3));
    let spec: Itimerspec = t.read_obj(new)?;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 || !spec.is_valid() {
        return Err(EINVAL);
    }
    let file = t.fds.get(fd)?;
    let tfd = file.downcast::<TimerFd>().ok_or(EINVAL)?;
    let previous = tfd.set(&spec, flags);
    if old != 0 {
        t.copy_out_final(old, previous.as_bytes())?;
    }
    Ok(0)
}

/// `timerfd_gettime(fd, curr)`.
pub fn timerfd_gettime(t: &mut Task, a: Args) -> SysResult {
    let file = t.fds.get(a.int(0))?;
    let tfd = file.downcast::<TimerFd>().ok_or(EINVAL)?;
    let cur = tfd.get();
    t.copy_out_final(a.u64(1), cur.as_bytes())?;
    Ok(0)
}
