//! An address space: one host stub process and the region it shares with
//! the sentry.

use std::io;
use std::ops::Range;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;

use abi::wire;
use nix::sys::signal::Signal;
use nix::unistd::{sysconf, SysconfVar};
use parking_lot::{Condvar, Mutex, RwLock};

use crate::context::Context;
use crate::region::Region;
use crate::{filter, service, stub_image, sys, KICK_SIGNAL};

/// Whether a stub process still lives, shared with the service thread that
/// reaps it.
pub(crate) struct Liveness {
    /// True until the process has exited; taken for reading around every
    /// use of its pid so that a recycled pid is never touched.
    alive: RwLock<bool>,
    /// Set once the process is reaped and `status` holds its wait status.
    dead: AtomicBool,
    status: AtomicI32,
    exited: (Mutex<()>, Condvar),
    pub(crate) region: Region,
    /// One past the highest slot ever used: the slots to wake at death.
    pub(crate) slots_used: AtomicUsize,
}

impl Liveness {
    /// A live process whose region is `region`, with `slots` slots used.
    pub(crate) fn new(region: Region, slots: usize) -> Liveness {
        Liveness {
            alive: RwLock::new(true),
            dead: AtomicBool::new(false),
            status: AtomicI32::new(0),
            exited: (Mutex::new(()), Condvar::new()),
            region,
            slots_used: AtomicUsize::new(slots),
        }
    }

    /// Marks the process dead, runs `reap` (which returns its wait status),
    /// and wakes everything that waits on it.
    pub(crate) fn mark_dead_then(&self, reap: impl FnOnce() -> i32) {
        *self.alive.write() = false;
        self.status.store(reap(), Ordering::Relaxed);
        self.dead.store(true, Ordering::SeqCst);
        self.region.wake_all(self.slots_used.load(Ordering::Relaxed));
        let _g = self.exited.0.lock();
        self.exited.1.notify_all();
    }

    /// Whether the process has been reaped.
    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    /// Runs `f` while the process is known to be alive (its pid unrecycled).
    pub(crate) fn while_alive<R>(&self, f: impl FnOnce() -> R) -> Option<R> {
        let alive = self.alive.read();
        if *alive {
            Some(f())
        } else {
            None
        }
    }
}

/// App memory could not be read or written at the given address: Linux's
/// `EFAULT` (or the process is already gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault;

/// One stub process: an app address space on the host.
pub struct AddressSpace {
    pid: i32,
    pidfd: OwnedFd,
    /// The sentry's end of the control socket (the stub holds the other).
    pub(crate) ctl: OwnedFd,
    /// Held from sending descriptors on `ctl` until the stub has taken
    /// them, so that no two threads' descriptors cross.
    pub(crate) ctl_lock: Mutex<()>,
    pub(crate) live: Arc<Liveness>,
    /// Which slots serve a thread (slot 0: the first thread).
    slots: Mutex<Vec<bool>>,
    reserved: Vec<Range<u64>>,
    /// Where the host mapped its vDSO in the process, if it did.
    host_vdso: Option<u64>,
}

impl AddressSpace {
    /// Starts a new stub process and returns it with its first thread,
    /// stopped at its first event and ready for host operations.
    pub fn new() -> io::Result<(Arc<AddressSpace>, Context)> {
        // Only the first process and an exec that cannot keep its stub
        // process (other threads, or other processes, use it) come here:
        // the caller asks for the next one ahead of need ([`prestart`]) when
        // it expects more.
        //
        // [`prestart`]: crate::prestart
        let started = service::prepare()?;
        if !started.ready() {
            return Err(io::Error::other(format!(
                "the stub process failed to start (wait status {:#x})",
                started.live.status.load(Ordering::Relaxed)
            )));
        }
        let (reserved, host_vdso) = read_maps(started.pid)?;
        let live = started.live;
        let space = Arc::new(AddressSpace { pid: started.pid, pidfd: started.pidfd, ctl: started.ctl, ctl_lock: Mutex::new(()), live, reserved, host_vdso, slots: Mutex::new(vec![true]) });
        let region = &space.live.region;
        let ctx = Context::new(space.clone(), 0, region.host_tid(0) as i32, region.regs(0));
        Ok((space, ctx))
    }

    /// Forks the stub process from thread `ctx` (stopped at a system call):
    /// returns the child's address space and its only thread, stopped in
    /// the same system call, with the same registers.
    pub(crate) fn fork(ctx: &mut Context) -> io::Result<(Arc<AddressSpace>, Context)> {
        let parent = ctx.space().clone();
        // A channel made ahead of need: the parent stub, which has just
        // trapped, is still spinning when the order comes.
        let Channel { region, ours, theirs } = match service::take_spare_channel() {
            Some(c) => c,
            None => Channel::new()?,
        };
        service::prepare_spare_channel();
        let pid = {
            let _g = parent.ctl_lock.lock();
            sys::send_fds(&parent.ctl, &[region.fd().as_raw_fd(), theirs.as_raw_fd()])?;
            drop(theirs);
            let r = ctx.host_op(wire::op::FORK, [0; 6]).map_err(|_| io::Error::other("the process died while forking"))?;
            abi::Errno::from_ret(r).map_err(|e| io::Error::from_raw_os_error(e.0))? as i32
        };
        // The child is a child of the service thread (CLONE_PARENT) and
        // not reaped until watched, so the pid is its own.
        let pidfd = sys::pidfd_open(pid)?;
        let slot = ctx.slot();
        let live = Arc::new(Liveness::new(region, slot + 1));
        service::watch(pidfd.try_clone()?, live.clone());
        if !live.region.wait(slot, || live.is_dead()) || live.region.event(slot) != wire::event::OP_DONE {
            return Err(io::Error::other("the forked stub did not start"));
        }
        let host_tid = live.region.host_tid(slot) as i32;
        let child = Arc::new(AddressSpace {
            pid,
            pidfd,
            ctl: ours,
            ctl_lock: Mutex::new(()),
            live,
            reserved: parent.reserved.clone(),
            host_vdso: parent.host_vdso,
            slots: Mutex::new(slots_for(slot)),
        });
        let ctx = ctx.forked(child.clone(), host_tid);
        Ok((child, ctx))
    }

    /// Takes the lowest free slot for a new thread.
    pub(crate) fn alloc_slot(&self) -> Option<usize> {
        let mut slots = self.slots.lock();
        let i = slots.iter().position(|used| !used).unwrap_or(slots.len());
        if i >= wire::MAX_THREADS {
            return None;
        }
        if i == slots.len() {
            slots.push(true);
        } else {
            slots[i] = true;
        }
        self.live.slots_used.fetch_max(i + 1, Ordering::SeqCst);
        Some(i)
    }

    /// Gives back a slot whose thread is gone.
    pub(crate) fn free_slot(&self, i: usize) {
        if let Some(used) = self.slots.lock().get_mut(i) {
            *used = false;
        }
    }

    /// The host pid of the stub process (for diagnostics only).
    pub fn host_pid(&self) -> i32 {
        self.pid
    }

    /// Address ranges the stub process occupies (its image, stack, region,
    /// vDSO): app mappings must never overlap them.
    pub fn reserved(&self) -> &[Range<u64>] {
        &self.reserved
    }

    /// Where the host mapped its own vDSO in the stub process (one of the
    /// reserved ranges), if it did.
    pub fn host_vdso(&self) -> Option<u64> {
        self.host_vdso
    }

    /// Reads app memory at `addr` into `buf`, all of it or nothing.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        match self.read_partial(addr, buf) {
            n if n == buf.len() => Ok(()),
            _ => Err(Fault),
        }
    }

    /// Reads as much of `buf` as is readable from `addr` on; returns how
    /// many bytes were read.
    pub fn read_partial(&self, addr: u64, buf: &mut [u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        self.live.while_alive(|| sys::process_vm_read(self.pid, addr, buf).unwrap_or(0)).unwrap_or(0)
    }

    /// Reads as much of `room` as is readable from `addr` on, without
    /// needing it initialised; returns how many bytes were read (the first
    /// that many of `room` are then initialised).
    pub fn read_partial_uninit(&self, addr: u64, room: &mut [std::mem::MaybeUninit<u8>]) -> usize {
        if room.is_empty() {
            return 0;
        }
        self.live.while_alive(|| sys::process_vm_read_uninit(self.pid, addr, room).unwrap_or(0)).unwrap_or(0)
    }

    /// Writes `data` to app memory at `addr`, all of it or nothing useful
    /// (a fault may leave a prefix written, as on Linux).
    pub fn write(&self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        if data.is_empty() {
            return Ok(());
        }
        match self.live.while_alive(|| sys::process_vm_write(self.pid, addr, data)) {
            Some(Ok(n)) if n == data.len() => Ok(()),
            _ => Err(Fault),
        }
    }

    /// Writes the buffers `bufs`, one after another, to app memory from
    /// `addr` on: all of them, or nothing useful (as [`AddressSpace::write`]).
    pub fn write_vectored(&self, addr: u64, bufs: &[io::IoSlice<'_>]) -> Result<(), Fault> {
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        if len == 0 {
            return Ok(());
        }
        match self.live.while_alive(|| sys::process_vm_write_vectored(self.pid, addr, bufs)) {
            Some(Ok(n)) if n == len => Ok(()),
            _ => Err(Fault),
        }
    }

    /// CPU time the whole process has used so far.
    pub fn cpu_time(&self) -> Option<std::time::Duration> {
        self.live.while_alive(|| sys::process_cpu_time(self.pid)).flatten()
    }

    /// User and system CPU time the whole process has used so far, as the
    /// host accounts them (`/proc/PID/stat` fields 14 and 15, in clock ticks).
    pub fn cpu_times(&self) -> Option<(std::time::Duration, std::time::Duration)> {
        let stat = self.live.while_alive(|| sys::read_proc(&format!("/proc/{}/stat", self.pid)).ok()).flatten()?;
        // "pid (comm) state ...": comm may hold spaces and ')'; field 3
        // (state) comes first after the last ')'.
        let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        let hz = sysconf(SysconfVar::CLK_TCK).ok().flatten().and_then(|hz| u64::try_from(hz).ok()).filter(|&hz| hz > 0)?;
        let ticks = |t: u64| std::time::Duration::from_secs(t / hz) + std::time::Duration::from_nanos((t % hz) * 1_000_000_000 / hz);
        Some((ticks(utime), ticks(stime)))
    }

    /// The process's peak resident set size in KiB (`VmHWM` in
    /// `/proc/PID/status`).
    pub fn max_rss_kib(&self) -> Option<u64> {
        self.status_kib("VmHWM:")
    }

    /// The process's resident set size in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> Option<u64> {
        self.status_kib("VmRSS:")
    }

    /// A size field of the host's `/proc/PID/status` for the process, in KiB.
    fn status_kib(&self, field: &str) -> Option<u64> {
        let status = self.live.while_alive(|| sys::read_proc(&format!("/proc/{}/status", self.pid)).ok()).flatten()?;
        let line = status.lines().find_map(|l| l.strip_prefix(field))?;
        line.trim().strip_suffix("kB")?.trim().parse().ok()
    }

    /// Kills the stub process (all its threads) at once.
    pub fn kill(&self) {
        let _ = sys::pidfd_send_signal(&self.pidfd, Signal::SIGKILL);
    }

    /// Whether the stub process has exited and been reaped.
    pub fn is_dead(&self) -> bool {
        self.live.is_dead()
    }

    /// Blocks until the stub process has exited and been reaped; returns
    /// its raw host wait status.
    pub fn wait_exit(&self) -> i32 {
        let mut g = self.live.exited.0.lock();
        while !self.live.is_dead() {
            self.live.exited.1.wait(&mut g);
        }
        self.live.status.load(Ordering::Relaxed)
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        // The last reference is gone: nothing may run in it any more.
        self.kill();
    }
}

/// A started stub process not yet serving an address space.
pub(crate) struct Started {
    pub pid: i32,
    pub pidfd: OwnedFd,
    /// The sentry's end of its control socket.
    pub ctl: OwnedFd,
    pub live: Arc<Liveness>,
}

impl Started {
    /// Waits until the stub reports ready; false if it died instead.
    pub(crate) fn ready(&self) -> bool {
        self.live.region.wait(0, || self.live.is_dead())
    }

    /// Starts a stub process from the calling thread (the service thread:
    /// see `service`), with a fresh region and control socket.
    pub(crate) fn start() -> io::Result<(Started, OwnedFd)> {
        let Channel { region, ours, theirs } = Channel::new()?;
        let spawned = service::start_stub(theirs, region.fd().try_clone()?)?;
        let watch = spawned.pidfd.try_clone()?;
        Ok((Started { pid: spawned.pid, pidfd: spawned.pidfd, ctl: ours, live: Arc::new(Liveness::new(region, 1)) }, watch))
    }
}

/// The slot table of a forked child: only the forking thread's slot is in
/// use (the child has that one thread).
fn slots_for(slot: usize) -> Vec<bool> {
    let mut v = vec![false; slot + 1];
    v[slot] = true;
    v
}

/// What a new stub process talks to the sentry through: its region and
/// the two ends of its control socket.
pub(crate) struct Channel {
    pub region: Region,
    /// The sentry's end.
    pub ours: OwnedFd,
    /// The stub's end.
    pub theirs: OwnedFd,
}

impl Channel {
    /// A fresh region, its header filled in, and a control socket pair.
    pub(crate) fn new() -> io::Result<Channel> {
        let text = stub_image::text_range();
        let region = Region::new(&filter::build(text.0, text.1), KICK_SIGNAL, text)?;
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        Ok(Channel { region, ours: a.into(), theirs: b.into() })
    }
}

/// The ranges mapped in process `pid`, from `/proc/PID/maps`, below the
/// top of the user address space, and where its vDSO starts.
fn read_maps(pid: i32) -> io::Result<(Vec<Range<u64>>, Option<u64>)> {
    let text = sys::read_proc(&format!("/proc/{pid}/maps"))?;
    Ok(parse_maps(&text))
}

fn parse_maps(text: &str) -> (Vec<Range<u64>>, Option<u64>) {
    const USER_TOP: u64 = 0x0000_8000_0000_0000;
    let mut vdso = None;
    let ranges = text
        .lines()
        .filter_map(|l| {
            let (s, e) = l.split_whitespace().next()?.split_once('-')?;
            let r = u64::from_str_radix(s, 16).ok()?..u64::from_str_radix(e, 16).ok()?;
            if l.ends_with("[vdso]") {
                vdso = Some(r.start);
            }
            (r.end <= USER_TOP).then_some(r)
        })
        .collect();
    (ranges, vdso)
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_parsing_skips_vsyscall_and_junk() {
        let m = "7fc000000000-7fc000001000 r--p 00000000 00:00 0 /x\n\
                 7ffd1000-7ffd3000 rw-p 0 0:0 0 [stack]\n\
                 garbage\n\
                 ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";
        assert_eq!(parse_maps(m), (vec![0x7fc000000000..0x7fc000001000, 0x7ffd1000..0x7ffd3000], None));
        let with_vdso = "7ffd5000-7ffd7000 r-xp 00000000 00:00 0 [vdso]\n";
        let (ranges, vdso) = parse_maps(with_vdso);
        assert_eq!((ranges.len(), ranges.first(), vdso), (1, Some(&(0x7ffd5000..0x7ffd7000)), Some(0x7ffd5000)));
    }
}
