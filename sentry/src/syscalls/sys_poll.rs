//! poll, ppoll, select and pselect6; and the timeout and signal-mask
//! handling the `epoll_*wait` calls share with them.
//!
//! Each call looks its descriptors up afresh at every pass, as Linux does
//! (a descriptor closed meanwhile reads as `POLLNVAL`), and sleeps through
//! [`wait_ready`]: registered with every file it watches, on the task's
//! waiter, so a kill ends the wait with `EINTR`. The signal mask given to
//! `ppoll` and `pselect6` is installed for the call and restored after it
//! (signals are not delivered yet, so it changes nothing else).

use std::time::{Duration, Instant};

use abi::errno::{EBADF, EINVAL};
use abi::signal::SigSet;
use abi::time::{Timespec, Timeval, NSEC_PER_SEC};
use abi::Errno;

use super::sys_fd::nofile_limit;
use super::{Args, SysResult};
use crate::kernel::limits::NR_OPEN;
use crate::kernel::task::Task;
use crate::waiter::events;
use crate::vfs::poll::{wait_ready, PollTable, POLLEX_SET, POLLIN_SET, POLLOUT_SET};

/// The size of the kernel's `sigset_t`.
const SIGSET_SIZE: u64 = 8;

/// When a poll-family wait ends.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timeout {
    /// When the wait started.
    start: Instant,
    /// How long it may last (`None`: forever).
    total: Option<Duration>,
}

impl Timeout {
    /// No timeout.
    pub(super) fn infinite() -> Timeout {
        Timeout { start: Instant::now(), total: None }
    }

    /// A timeout in milliseconds, as `poll` and `epoll_wait` take it
    /// (negative: forever).
    pub(super) fn from_ms(ms: i32) -> Timeout {
        match u64::try_from(ms) {
            Ok(ms) => Timeout { start: Instant::now(), total: Some(Duration::from_millis(ms)) },
            Err(_) => Timeout::infinite(),
        }
    }

    /// Linux's `poll_select_set_timeout`: `EINVAL` unless `sec` is not
    /// negative and `nsec` is within a second.
    pub(super) fn from_parts(sec: i64, nsec: i64) -> Result<Timeout, Errno> {
        if sec < 0 || !(0..NSEC_PER_SEC).contains(&nsec) {
            return Err(EINVAL);
        }
        Ok(Timeout { start: Instant::now(), total: Some(Duration::new(sec as u64, nsec as u32)) })
    }

    /// Reads a `struct timespec` timeout from `addr`: `EFAULT`, `EINVAL`.
    pub(super) fn read_timespec(t: &mut Task, addr: u64) -> Result<Timeout, Errno> {
        let ts: Timespec = t.read_obj(addr)?;
        Timeout::from_parts(ts.tv_sec, ts.tv_nsec)
    }

    /// When the wait ends (`None`: never, or too far to represent).
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.start.checked_add(self.total?)
    }

    /// Whether the timeout is zero (a check, no wait; no time written back).
    fn is_zero(&self) -> bool {
        self.total == Some(Duration::ZERO)
    }

    /// The time left, for the write-back of `select` and `ppoll`.
    fn left(&self) -> Option<Duration> {
        Some(self.total?.saturating_sub(self.start.elapsed()))
    }
}

/// Linux's `set_user_sigmask`: installs the signal mask at `addr` (none
/// when 0) for the wait, keeping the old one; `EINVAL` unless `size` is 8,
/// `EFAULT`. Returns whether a mask was installed, for [`restore_sigmask`].
pub(super) fn set_user_sigmask(t: &mut Task, addr: u64, size: u64) -> Result<bool, Errno> {
    if addr == 0 {
        return Ok(false);
    }
    if size != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let set: SigSet = t.read_obj(addr)?;
    t.set_sigmask(set, true);
    Ok(true)
}

/// Puts back the mask [`set_user_sigmask`] replaced, unless the wait was
/// interrupted by a signal: its handler then runs with the wait's mask,
/// and its frame restores the old one (Linux's `restore_saved_sigmask_unless`).
pub(super) fn restore_sigmask<T>(t: &mut Task, installed: bool, result: &Result<T, Errno>) {
    if installed {
        t.restore_saved_sigmask(matches!(result, Err(e) if *e == abi::errno::EINTR));
    }
}

/// Sleeps the task as [`wait_ready`] does, ending with `EINTR` when its
/// process is being killed.
pub(super) fn task_wait<T>(
    t: &Task,
    timeout: Timeout,
    scan: impl FnMut(Option<&mut PollTable>) -> Option<T>,
) -> Result<Option<T>, Errno> {
    let tg = t.tg.clone();
    wait_ready(&t.waiter, || tg.exit_status().is_some(), timeout.deadline(), scan)
}

/// `struct pollfd`: 8 bytes, `fd`, `events`, `revents`.
const POLLFD_SIZE: usize = 8;

/// The events of one `poll` entry: `fd` as open now in `t`, asked for
/// `requested`; registers the sleeper first when `table` is given.
fn poll_one(fds: &crate::vfs::FdTable, fd: i32, requested: u16, table: Option<&mut PollTable>) -> u32 {
    if fd < 0 {
        return 0;
    }
    let Ok(file) = fds.get(fd) else { return events::NVAL };
    let filter = u32::from(requested) | events::ERR | events::HUP;
    if let Some(table) = table {
        file.ops.poll_register(table, filter);
    }
    file.ops.readiness() & filter
}

fn do_poll(t: &mut Task, addr: u64, nfds: u32, timeout: Timeout) -> SysResult {
    // The descriptor limit never exceeds `nr_open` in the model; the cap
    // also bounds what is copied in.
    if u64::from(nfds) > nofile_limit(t).min(NR_OPEN) {
        return Err(EINVAL);
    }
    let n = nfds as usize;
    let mut raw = vec![0u8; n * POLLFD_SIZE];
    t.copy_in(addr, &mut raw)?;
    let entries: Vec<(i32, u16)> = raw
        .chunks_exact(POLLFD_SIZE)
        .map(|c| (i32::from_ne_bytes([c[0], c[1], c[2], c[3]]), u16::from_ne_bytes([c[4], c[5]])))
        .collect();
    let fds = t.fds.clone();
    let result = task_wait(t, timeout, |mut table| {
        let mut revents = vec![0u16; n];
        let mut count = 0;
        for (i, &(fd, requested)) in entries.iter().enumerate() {
            let mask = poll_one(&fds, fd, requested, table.as_deref_mut());
            // The poll bits all fit the 16-bit `revents`.
            revents[i] = mask as u16;
            count += u64::from(mask != 0);
        }
        (count > 0).then_some((revents, count))
    })?;
    let (revents, count) = result.unwrap_or_else(|| (vec![0; n], 0));
    for (entry, r) in raw.chunks_exact_mut(POLLFD_SIZE).zip(revents) {
        entry[6..8].copy_from_slice(&r.to_ne_bytes());
    }
    t.copy_out(addr, &raw)?;
    Ok(count)
}

/// Writes the time left back to a `struct timespec` (`ppoll`,
/// `pselect6`), as Linux does unless the timeout was zero; a fault is
/// ignored.
fn write_back_timespec(t: &mut Task, addr: u64, timeout: &Timeout) {
    if addr == 0 || timeout.is_zero() {
        return;
    }
    if let Some(left) = timeout.left() {
        let ts = Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) };
        let _ = t.write_obj(addr, &ts);
    }
}

/// `poll(fds, nfds, timeout_ms)`.
pub fn poll(t: &mut Task, a: Args) -> SysResult {
    do_poll(t, a.u64(0), a.uint(1), Timeout::from_ms(a.int(2)))
}

/// `ppoll(fds, nfds, tmo_p, sigmask, sigsetsize)`.
pub fn ppoll(t: &mut Task, a: Args) -> SysResult {
    let tsp = a.u64(2);
    let timeout = if tsp != 0 { Timeout::read_timespec(t, tsp)? } else { Timeout::infinite() };
    let saved = set_user_sigmask(t, a.u64(3), a.u64(4))?;
    let r = do_poll(t, a.u64(0), a.uint(1), timeout);
    restore_sigmask(t, saved, &r);
    write_back_timespec(t, tsp, &timeout);
    r
}

/// Bits per `fd_set` word.
const NFDBITS: usize = 64;

/// Reads an `fd_set` of `words` words from `addr` (all clear when 0).
fn get_fd_set(t: &mut Task, addr: u64, words: usize) -> Result<Vec<u64>, Errno> {
    let mut raw = vec![0u8; words * 8];
    if addr != 0 {
        t.copy_in(addr, &mut raw)?;
    }
    Ok(raw.chunks_exact(8).map(|c| u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect())
}

/// Writes an `fd_set` back to `addr` (nothing when 0).
fn set_fd_set(t: &mut Task, addr: u64, set: &[u64]) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    let raw: Vec<u8> = set.iter().flat_map(|w| w.to_ne_bytes()).collect();
    t.copy_out(addr, &raw)
}

fn bit(set: &[u64], fd: usize) -> bool {
    set[fd / NFDBITS] & (1 << (fd % NFDBITS)) != 0
}

/// Linux's `core_sys_select`.
fn core_sys_select(t: &mut Task, n: i32, ptrs: [u64; 3], timeout: Timeout) -> SysResult {
    let n = usize::try_from(n).map_err(|_| EINVAL)?;
    // Descriptors at or above the table's size are never looked at.
    let n = n.min(t.fds.max_fds());
    let words = n.div_ceil(NFDBITS);
    let mut sets = [Vec::new(), Vec::new(), Vec::new()];
    for (set, &addr) in sets.iter_mut().zip(&ptrs) {
        *set = get_fd_set(t, addr, words)?;
    }
    // Bits at or above `n` in the last word are ignored.
    if n % NFDBITS != 0 {
        for set in sets.iter_mut() {
            set[words - 1] &= (1u64 << (n % NFDBITS)) - 1;
        }
    }
    // `max_select_fd`: every descriptor named must be open.
    let mut max = 0;
    for fd in 0..n {
        if sets.iter().any(|s| bit(s, fd)) {
            if t.fds.get(fd as i32).is_err() {
                return Err(EBADF);
            }
            max = fd + 1;
        }
    }
    let fds = t.fds.clone();
    let [ins, outs, exs] = &sets;
    let result = task_wait(t, timeout, |mut table| {
        let mut res = [vec![0u64; words], vec![0u64; words], vec![0u64; words]];
        let mut count = 0u64;
        for fd in 0..max {
            let (i, o, e) = (bit(ins, fd), bit(outs, fd), bit(exs, fd));
            if !(i || o || e) {
                continue;
            }
            // A descriptor closed since the check is `POLLNVAL`: ignored.
            let Ok(file) = fds.get(fd as i32) else { continue };
            let mut wanted = 0;
            for (want, set) in [(i, POLLIN_SET), (o, POLLOUT_SET), (e, POLLEX_SET)] {
                if want {
                    wanted |= set;
                }
            }
            if let Some(table) = table.as_deref_mut() {
                file.ops.poll_register(table, wanted);
            }
            let mask = file.ops.readiness();
            let word = 1u64 << (fd % NFDBITS);
            for (k, (want, set)) in [(i, POLLIN_SET), (o, POLLOUT_SET), (e, POLLEX_SET)].into_iter().enumerate() {
                if want && mask & set != 0 {
                    res[k][fd / NFDBITS] |= word;
                    count += 1;
                }
            }
        }
        (count > 0).then_some((res, count))
    })?;
    let (res, count) = result.unwrap_or_else(|| ([vec![0; words], vec![0; words], vec![0; words]], 0));
    for (set, &addr) in res.iter().zip(&ptrs) {
        set_fd_set(t, addr, set)?;
    }
    Ok(count)
}

/// `select(nfds, readfds, writefds, exceptfds, timeout)`: the timeval is
/// updated with the time left, as Linux does.
pub fn select(t: &mut Task, a: Args) -> SysResult {
    let tvp = a.u64(4);
    let timeout = if tvp != 0 {
        let tv: Timeval = t.read_obj(tvp)?;
        // As Linux: microseconds beyond a second carry into the seconds.
        Timeout::from_parts(tv.tv_sec.wrapping_add(tv.tv_usec / 1_000_000), (tv.tv_usec % 1_000_000) * 1000)?
    } else {
        Timeout::infinite()
    };
    let r = core_sys_select(t, a.int(0), [a.u64(1), a.u64(2), a.u64(3)], timeout);
    if tvp != 0 && !timeout.is_zero() {
        if let Some(left) = timeout.left() {
            let tv = Timeval { tv_sec: left.as_secs() as i64, tv_usec: i64::from(left.subsec_micros()) };
            let _ = t.write_obj(tvp, &tv);
        }
    }
    r
}

/// `pselect6(nfds, readfds, writefds, exceptfds, timeout, sig)`, where
/// `sig` points at `{ const sigset_t *ss; size_t ss_len; }`.
pub fn pselect6(t: &mut Task, a: Args) -> SysResult {
    let (mask_addr, mask_size) = if a.u64(5) != 0 {
        let pack: [u64; 2] = t.read_obj(a.u64(5))?;
        (pack[0], pack[1])
    } else {
        (0, 0)
    };
    let tsp = a.u64(4);
    let timeout = if tsp != 0 { Timeout::read_timespec(t, tsp)? } else { Timeout::infinite() };
    let saved = set_user_sigmask(t, mask_addr, mask_size)?;
    let r = core_sys_select(t, a.int(0), [a.u64(1), a.u64(2), a.u64(3)], timeout);
    restore_sigmask(t, saved, &r);
    write_back_timespec(t, tsp, &timeout);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_checked_as_linux_does() {
        assert_eq!(Timeout::from_parts(-1, 0).err(), Some(EINVAL));
        assert_eq!(Timeout::from_parts(0, NSEC_PER_SEC).err(), Some(EINVAL));
        assert_eq!(Timeout::from_parts(0, -1).err(), Some(EINVAL));
        let z = Timeout::from_parts(0, 0).unwrap();
        assert!(z.is_zero());
        assert!(z.deadline().is_some_and(|d| d <= Instant::now()));
        let huge = Timeout::from_parts(i64::MAX, 0).unwrap();
        assert!(huge.deadline().is_none(), "too far: forever");
        assert!(Timeout::from_ms(-1).deadline().is_none());
        let t = Timeout::from_ms(50);
        assert!(t.left().unwrap() <= Duration::from_millis(50));
        assert!(!t.is_zero());
    }

    #[test]
    fn fd_set_bits() {
        let set = [0b1010u64, 1 << 63];
        assert!(bit(&set, 1) && bit(&set, 3) && !bit(&set, 0) && bit(&set, 127) && !bit(&set, 64));
    }
}
