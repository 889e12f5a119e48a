//! Socket options (`SOL_SOCKET`) of a Unix socket, as Linux's
//! `sk_setsockopt` and `sk_getsockopt` take and give them: buffer sizes
//! doubled and bounded by the host's `net.core` maxima, timeouts kept in
//! jiffies (so a timeout reads back rounded up to the tick, as on
//! Linux), flags as 0 or 1. Options at other levels are `EOPNOTSUPP`
//! (a Unix socket has no protocol options); unknown `SOL_SOCKET` options
//! are `ENOPROTOOPT`.

use std::time::{Duration, Instant};

use abi::errno::{EACCES, EDOM, EINVAL, ENOPROTOOPT, EOPNOTSUPP, EPERM};
use abi::socket::{so, sol, Linger, Ucred};
use abi::time::Timeval;
use abi::{Errno, Pod};

use super::ns::Limits;
use super::{State, UnixSocket};
use crate::auth::cap;
use crate::kernel::task::Task;
use crate::waiter::events;

/// The kernel's tick rate (`CONFIG_HZ`, as the usual distribution kernel
/// has it): socket timeouts are counted in its ticks.
pub const HZ: u64 = 250;
/// `SOCK_MIN_SNDBUF`.
const MIN_SNDBUF: usize = 4608;
/// `SOCK_MIN_RCVBUF`.
const MIN_RCVBUF: usize = 2304;
/// `SO_RCVTIMEO_NEW` and `SO_SNDTIMEO_NEW` (the same layout on x86_64).
const RCVTIMEO_NEW: i32 = 66;
const SNDTIMEO_NEW: i32 = 67;
/// `__SO_ACCEPTCON`... as `SO_ACCEPTCONN` reads it: listening.
const SO_PRIORITY: i32 = 12;

/// A timeout in ticks; `None` for none (wait forever). `Some(0)` makes
/// the calls it governs non-blocking (a negative timeout sets it).
pub type Timeout = Option<u64>;

/// The options a socket keeps (its buffer size apart, which its peers
/// read: see `UnixSocket::sndbuf`).
#[derive(Clone, Debug)]
pub struct Opts {
    /// `SO_PASSCRED`.
    pub passcred: bool,
    /// `SO_RCVBUF` (kept and reported; Unix sockets do not use it).
    pub rcvbuf: usize,
    /// `SO_RCVTIMEO`.
    pub rcvtimeo: Timeout,
    /// `SO_SNDTIMEO`.
    pub sndtimeo: Timeout,
    /// `SO_RCVLOWAT`: the least a stream read waits for.
    pub rcvlowat: usize,
    /// `SO_LINGER`: on, and for how many ticks (kept and reported).
    pub linger: (bool, u64),
    /// `SO_PRIORITY`.
    pub priority: i32,
    /// `SO_REUSEADDR`, `SO_KEEPALIVE`, `SO_BROADCAST`, `SO_OOBINLINE`,
    /// `SO_DONTROUTE`, `SO_DEBUG`: kept and reported.
    pub flags: Flags,
}

/// The options that are only flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    /// `SO_REUSEADDR`.
    pub reuseaddr: bool,
    /// `SO_KEEPALIVE`.
    pub keepalive: bool,
    /// `SO_BROADCAST`.
    pub broadcast: bool,
    /// `SO_OOBINLINE`.
    pub oobinline: bool,
    /// `SO_DONTROUTE`.
    pub dontroute: bool,
    /// `SO_DEBUG`.
    pub debug: bool,
}

impl Opts {
    /// A new socket's options.
    pub fn new(limits: &Limits) -> Opts {
        Opts {
            passcred: false,
            rcvbuf: limits.rmem_default,
            rcvtimeo: None,
            sndtimeo: None,
            rcvlowat: 1,
            linger: (false, 0),
            priority: 0,
            flags: Flags::default(),
        }
    }
}

/// How long a call may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Not at all (`O_NONBLOCK`, `MSG_DONTWAIT`, a timeout of 0).
    No,
    /// Until then (a timeout).
    Until(Instant),
    /// Until woken.
    Forever,
}

impl Wait {
    /// The wait of a call that is non-blocking if `nonblock`, else
    /// bounded by `timeo`.
    pub fn of(nonblock: bool, timeo: Timeout) -> Wait {
        match timeo {
            _ if nonblock => Wait::No,
            Some(0) => Wait::No,
            Some(ticks) => match Instant::now().checked_add(Duration::from_micros(ticks.saturating_mul(1_000_000 / HZ))) {
                Some(at) => Wait::Until(at),
                None => Wait::Forever,
            },
            None => Wait::Forever,
        }
    }
}

/// A timeout as `SO_RCVTIMEO` takes it (`sock_set_timeout`): `EINVAL`
/// if shorter than a `timeval`, `EDOM` for microseconds out of range; a
/// negative time is 0 (non-blocking), zero is none.
fn timeout_from(value: &[u8]) -> Result<Timeout, Errno> {
    let tv = Timeval::read_from(value).filter(|_| value.len() >= std::mem::size_of::<Timeval>()).ok_or(EINVAL)?;
    if !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(EDOM);
    }
    if tv.tv_sec < 0 {
        return Ok(Some(0));
    }
    if tv.tv_sec == 0 && tv.tv_usec == 0 {
        return Ok(None);
    }
    let max_secs = (i64::MAX as u64 / HZ).saturating_sub(1);
    if tv.tv_sec as u64 >= max_secs {
        return Ok(None);
    }
    let per_tick = 1_000_000 / HZ;
    Ok(Some(tv.tv_sec as u64 * HZ + (tv.tv_usec as u64).div_ceil(per_tick)))
}

/// A timeout as `SO_RCVTIMEO` reads back (`sock_get_timeout`).
fn timeout_to(t: Timeout) -> Timeval {
    match t {
        None => Timeval { tv_sec: 0, tv_usec: 0 },
        Some(ticks) => Timeval { tv_sec: (ticks / HZ) as i64, tv_usec: ((ticks % HZ) * 1_000_000 / HZ) as i64 },
    }
}

fn int(v: i32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

impl UnixSocket {
    /// `setsockopt(level, name, value)`.
    pub(super) fn set_option(&self, t: &Task, level: i32, name: i32, value: &[u8]) -> Result<(), Errno> {
        if level != sol::SOCKET {
            return Err(EOPNOTSUPP);
        }
        if value.len() < 4 {
            return Err(EINVAL);
        }
        let val = i32::from_ne_bytes([value[0], value[1], value[2], value[3]]);
        let on = val != 0;
        let limits = self.ns.limits;
        let caps = || t.tg.creds.lock().has_cap(cap::NET_ADMIN);
        match name {
            so::SNDBUF | so::SNDBUFFORCE => {
                let v = if name == so::SNDBUFFORCE {
                    if !caps() {
                        return Err(EPERM);
                    }
                    (val.max(0) as usize).min(i32::MAX as usize / 2)
                } else {
                    (val as u32 as usize).min(limits.wmem_max)
                };
                self.sndbuf.store((v * 2).clamp(MIN_SNDBUF, i32::MAX as usize), std::sync::atomic::Ordering::Relaxed);
                // Linux's `sk_write_space`: writers may go on.
                self.queue.notify(events::OUT | events::WRNORM | events::WRBAND);
                return Ok(());
            }
            so::RCVBUF | so::RCVBUFFORCE => {
                let v = if name == so::RCVBUFFORCE {
                    if !caps() {
                        return Err(EPERM);
                    }
                    (val.max(0) as usize).min(i32::MAX as usize / 2)
                } else {
                    (val as u32 as usize).min(limits.rmem_max)
                };
                self.inner.lock().opts.rcvbuf = (v * 2).clamp(MIN_RCVBUF, i32::MAX as usize);
                return Ok(());
            }
            so::DEBUG if on && !caps() => return Err(EACCES),
            SO_PRIORITY if !(0..=6).contains(&val) && !caps() && !t.tg.creds.lock().has_cap(cap::NET_RAW) => return Err(EPERM),
            _ => {}
        }
        let timeout = match name {
            so::RCVTIMEO | so::SNDTIMEO | RCVTIMEO_NEW | SNDTIMEO_NEW => Some(timeout_from(value)?),
            _ => None,
        };
        let linger = if name == so::LINGER { Some(Linger::read_from(value).filter(|_| value.len() >= 8).ok_or(EINVAL)?) } else { None };
        let mut g = self.inner.lock();
        let o = &mut g.opts;
        match name {
            so::PASSCRED => o.passcred = on,
            so::REUSEADDR => o.flags.reuseaddr = on,
            so::KEEPALIVE => o.flags.keepalive = on,
            so::BROADCAST => o.flags.broadcast = on,
            so::OOBINLINE => o.flags.oobinline = on,
            so::DONTROUTE => o.flags.dontroute = on,
            so::DEBUG => o.flags.debug = on,
            SO_PRIORITY => o.priority = val,
            so::RCVLOWAT => o.rcvlowat = if val < 0 { i32::MAX as usize } else { (val as usize).max(1) },
            so::RCVTIMEO | RCVTIMEO_NEW => o.rcvtimeo = timeout.flatten(),
            so::SNDTIMEO | SNDTIMEO_NEW => o.sndtimeo = timeout.flatten(),
            so::LINGER => {
                let l = linger.unwrap_or_default();
                if l.onoff == 0 {
                    o.linger.0 = false;
                } else {
                    o.linger = (true, (l.linger as u32 as u64).saturating_mul(HZ));
                }
            }
            _ => return Err(ENOPROTOOPT),
        }
        Ok(())
    }

    /// `getsockopt(level, name)`: the value, whole (the caller cuts it).
    pub(super) fn get_option(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        if level != sol::SOCKET {
            return Err(EOPNOTSUPP);
        }
        let mut g = self.inner.lock();
        let o = &g.opts;
        let flag = |b: bool| int(i32::from(b));
        Ok(match name {
            so::ERROR => int(g.err.take().map_or(0, |e| e.0)),
            so::SNDBUF => int(self.sndbuf.load(std::sync::atomic::Ordering::Relaxed) as i32),
            so::RCVBUF => int(o.rcvbuf as i32),
            so::PASSCRED => flag(o.passcred),
            so::REUSEADDR => flag(o.flags.reuseaddr),
            so::KEEPALIVE => flag(o.flags.keepalive),
            so::BROADCAST => flag(o.flags.broadcast),
            so::OOBINLINE => flag(o.flags.oobinline),
            so::DONTROUTE => flag(o.flags.dontroute),
            so::DEBUG => flag(o.flags.debug),
            SO_PRIORITY => int(o.priority),
            so::RCVLOWAT => int(o.rcvlowat.min(i32::MAX as usize) as i32),
            so::SNDLOWAT => int(1),
            so::ACCEPTCONN => flag(g.state == State::Listen),
            so::RCVTIMEO | RCVTIMEO_NEW => timeout_to(o.rcvtimeo).as_bytes().to_vec(),
            so::SNDTIMEO | SNDTIMEO_NEW => timeout_to(o.sndtimeo).as_bytes().to_vec(),
            so::LINGER => Linger { onoff: i32::from(o.linger.0), linger: (o.linger.1 / HZ).min(i32::MAX as u64) as i32 }.as_bytes().to_vec(),
            // No peer: pid 0 and ids -1 (`cred_to_ucred` of nothing).
            so::PEERCRED => g.peercred.unwrap_or(Ucred { pid: 0, uid: u32::MAX, gid: u32::MAX }).as_bytes().to_vec(),
            _ => return Err(ENOPROTOOPT),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tv(sec: i64, usec: i64) -> Vec<u8> {
        Timeval { tv_sec: sec, tv_usec: usec }.as_bytes().to_vec()
    }

    #[test]
    fn timeouts_are_ticks_as_on_linux() {
        assert_eq!(timeout_from(&tv(0, 0)), Ok(None));
        assert_eq!(timeout_from(&tv(0, 1)), Ok(Some(1)));
        assert_eq!(timeout_to(Some(1)), Timeval { tv_sec: 0, tv_usec: 4000 });
        assert_eq!(timeout_from(&tv(1, 500_000)), Ok(Some(375)));
        assert_eq!(timeout_to(Some(375)), Timeval { tv_sec: 1, tv_usec: 500_000 });
        assert_eq!(timeout_from(&tv(-1, 0)), Ok(Some(0)));
        assert_eq!(timeout_to(Some(0)), Timeval { tv_sec: 0, tv_usec: 0 });
        assert_eq!(timeout_from(&tv(0, 1_000_000)), Err(EDOM));
        assert_eq!(timeout_from(&tv(0, -1)), Err(EDOM));
        assert_eq!(timeout_from(&tv(1, 0)[..8]), Err(EINVAL));
        assert_eq!(timeout_from(&tv(i64::MAX, 0)), Ok(None));
        assert_eq!(Wait::of(true, None), Wait::No);
        assert_eq!(Wait::of(false, Some(0)), Wait::No);
        assert_eq!(Wait::of(false, None), Wait::Forever);
        assert!(matches!(Wait::of(false, Some(HZ)), Wait::Until(_)));
    }
}
