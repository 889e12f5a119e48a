//! epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and
//! epoll_pwait2, with Linux's checks in Linux's order.

use std::sync::Arc;

use abi::errno::{EFAULT, EINVAL, EPERM};

use super::sys_fd::nofile_limit;
use super::sys_poll::{restore_sigmask, set_user_sigmask, task_wait, Timeout};
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::vfs::epoll::{flags::EPOLLEXCLUSIVE, op, EpollEvent, EPOLLEXCLUSIVE_OK_BITS, EPOLL_CLOEXEC, EVENT_SIZE};
use crate::vfs::Epoll;

/// The most events one wait may ask for (`EP_MAX_EVENTS`).
const EP_MAX_EVENTS: i32 = i32::MAX / EVENT_SIZE as i32;

fn do_create(t: &mut Task, flags: u32) -> SysResult {
    let file = Epoll::create(t);
    let limit = nofile_limit(t);
    t.fds.install(file, flags & EPOLL_CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `epoll_create(size)`: `size` must be positive, and is otherwise unused.
pub fn epoll_create(t: &mut Task, a: Args) -> SysResult {
    if a.int(0) <= 0 {
        return Err(EINVAL);
    }
    do_create(t, 0)
}

/// `epoll_create1(flags)`: `EPOLL_CLOEXEC` only.
pub fn epoll_create1(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(0);
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    do_create(t, flags)
}

/// `epoll_ctl(epfd, op, fd, event)`.
pub fn epoll_ctl(t: &mut Task, a: Args) -> SysResult {
    let (epfd, op, fd, event_addr) = (a.int(0), a.int(1), a.int(2), a.u64(3));
    // Every operation but DEL reads the event first, unknown ones too.
    let has_event = op != op::DEL;
    let ev = if has_event {
        let raw: [u8; EVENT_SIZE] = t.read_obj(event_addr)?;
        EpollEvent::from_bytes(&raw)
    } else {
        EpollEvent { events: 0, data: 0 }
    };
    let epf = t.fds.get(epfd)?;
    let target = t.fds.get(fd)?;
    if !target.ops.pollable() {
        return Err(EPERM);
    }
    let Some(ep) = epf.downcast::<Epoll>().filter(|_| !Arc::ptr_eq(&epf, &target)) else {
        return Err(EINVAL);
    };
    if has_event && ev.events & EPOLLEXCLUSIVE != 0 {
        if op == op::MOD {
            return Err(EINVAL);
        }
        if op == op::ADD && (target.downcast::<Epoll>().is_some() || ev.events & !EPOLLEXCLUSIVE_OK_BITS != 0) {
            return Err(EINVAL);
        }
    }
    match op {
        op::ADD => ep.add(&target, fd, ev),
        op::DEL => ep.del(&target, fd),
        op::MOD => ep.modify(&target, fd, ev),
        _ => Err(EINVAL),
    }
    .map(|_| 0)
}

/// Linux's `do_epoll_wait`, with the order of checks of current kernels
/// (6.x: the descriptor is looked up first).
fn do_epoll_wait(t: &mut Task, epfd: i32, events_addr: u64, maxevents: i32, timeout: Timeout) -> SysResult {
    let file = t.fds.get(epfd)?;
    if maxevents <= 0 || maxevents > EP_MAX_EVENTS {
        return Err(EINVAL);
    }
    let max = maxevents as usize;
    if !t.mm.is_user_range(events_addr, (max * EVENT_SIZE) as u64) {
        return Err(EFAULT);
    }
    let ep = file.downcast::<Epoll>().ok_or(EINVAL)?;
    let got = task_wait(t, timeout, |table| {
        if let Some(table) = table {
            ep.register(table);
        }
        Some(ep.collect(max)).filter(|v| !v.is_empty())
    })?;
    let Some(got) = got else { return Ok(0) };
    let raw: Vec<u8> = got.iter().flat_map(|e| e.to_bytes()).collect();
    t.copy_out(events_addr, &raw)?;
    Ok(got.len() as u64)
}

/// `epoll_wait(epfd, events, maxevents, timeout_ms)`.
pub fn epoll_wait(t: &mut Task, a: Args) -> SysResult {
    do_epoll_wait(t, a.int(0), a.u64(1), a.int(2), Timeout::from_ms(a.int(3)))
}

/// The signal-mask part of `epoll_pwait` and `epoll_pwait2`.
fn pwait(t: &mut Task, a: Args, timeout: Timeout) -> SysResult {
    let saved = set_user_sigmask(t, a.u64(4), a.u64(5))?;
    let r = do_epoll_wait(t, a.int(0), a.u64(1), a.int(2), timeout);
    restore_sigmask(t, saved, &r);
    r
}

/// `epoll_pwait(epfd, events, maxevents, timeout_ms, sigmask, sigsetsize)`.
pub fn epoll_pwait(t: &mut Task, a: Args) -> SysResult {
    pwait(t, a, Timeout::from_ms(a.int(3)))
}

/// `epoll_pwait2(epfd, events, maxevents, timeout, sigmask, sigsetsize)`:
/// the timeout is a `struct timespec` (none when null).
pub fn epoll_pwait2(t: &mut Task, a: Args) -> SysResult {
    let timeout = if a.u64(3) != 0 { Timeout::read_timespec(t, a.u64(3))? } else { Timeout::infinite() };
    pwait(t, a, timeout)
}
