//! signalfd: pending signals read as `struct signalfd_siginfo` records.
//!
//! A read takes, in Linux's order, the signals of the fd's mask pending for
//! the reading thread or its process (whichever process reads: a signalfd
//! inherited across `fork` reads the child's signals), one 128-byte record
//! each, waiting for one unless the description is non-blocking. Readiness
//! is judged against the process that made the signalfd (Linux: the
//! polling thread), which is the same for everything but a descriptor
//! passed to another process.

use std::sync::{Arc, Weak};

use abi::errno::{EAGAIN, EINTR, EINVAL};
use abi::fs::{o, Stat};
use abi::signal::{code, sig, SigInfo, SigSet};
use abi::{Errno, Pod};
use parking_lot::Mutex;

use crate::vfs::poll::PollTable;
use crate::vfs::{anon, FileOps, OpenFile};
use crate::kernel::task::Task;
use crate::kernel::thread_group::ThreadGroup;
use crate::vfs::context::wait_until;
use crate::vfs::Context;
use crate::waiter::events;

/// `SFD_CLOEXEC`.
pub const SFD_CLOEXEC: u32 = o::CLOEXEC;
/// `SFD_NONBLOCK`.
pub const SFD_NONBLOCK: u32 = o::NONBLOCK;

/// `struct signalfd_siginfo`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SignalfdSiginfo {
    signo: u32,
    errno: i32,
    code: i32,
    pid: u32,
    uid: u32,
    fd: i32,
    tid: u32,
    band: u32,
    overrun: u32,
    trapno: u32,
    status: i32,
    int: i32,
    ptr: u64,
    utime: u64,
    stime: u64,
    addr: u64,
    addr_lsb: u16,
    pad: [u16; 3],
    pad2: [u64; 5],
}
abi::impl_pod!(SignalfdSiginfo);
const _: () = assert!(std::mem::size_of::<SignalfdSiginfo>() == 128);

/// The size of one record.
const RECORD: usize = std::mem::size_of::<SignalfdSiginfo>();

impl SignalfdSiginfo {
    /// The record of `info`: the fields its layout has (Linux's
    /// `siginfo_layout`), the rest zero.
    fn of(info: &SigInfo) -> SignalfdSiginfo {
        let f = &info.fields;
        let mut r = SignalfdSiginfo { signo: info.signo as u32, errno: info.errno, code: info.code, ..Default::default() };
        let kernel_code = info.code > code::SI_USER && info.code < code::SI_KERNEL;
        match (kernel_code, info.signo) {
            (true, sig::SIGCHLD) => {
                (r.pid, r.uid, r.status) = (info.pid() as u32, info.uid(), f[1] as i32);
                (r.utime, r.stime) = (f[2], f[3]);
            }
            (true, sig::SIGSEGV | sig::SIGBUS | sig::SIGILL | sig::SIGFPE | sig::SIGTRAP) => {
                r.addr = f[0];
                r.addr_lsb = f[1] as u16;
            }
            (true, sig::SIGIO) => (r.band, r.fd) = (f[0] as u32, f[1] as i32),
            (true, _) | (false, _) if info.code == code::SI_TIMER => {
                (r.tid, r.overrun) = (f[0] as u32, (f[0] >> 32) as u32);
                (r.ptr, r.int) = (f[1], f[1] as i32);
            }
            (false, _) if info.code < 0 => {
                (r.pid, r.uid) = (info.pid() as u32, info.uid());
                (r.ptr, r.int) = (f[1], f[1] as i32);
            }
            _ => (r.pid, r.uid) = (info.pid() as u32, info.uid()),
        }
        r
    }
}

/// A signalfd: the file of a signalfd's open description.
pub struct SignalFd {
    /// The signals it reads (never SIGKILL or SIGSTOP).
    mask: Mutex<SigSet>,
    /// The process that made it, for readiness.
    owner: Weak<ThreadGroup>,
    /// The description, for its `O_NONBLOCK`.
    file: Weak<OpenFile>,
    /// The anonymous inode's times.
    boot_ns: i64,
}

impl SignalFd {
    /// A new signalfd for `task`'s process reading `mask`, with `flags`'
    /// `SFD_NONBLOCK` (the caller applies `SFD_CLOEXEC`).
    pub fn create(task: &Task, mask: SigSet, flags: u32) -> Arc<OpenFile> {
        let boot_ns = task.kernel.boot_time_ns();
        let owner = Arc::downgrade(&task.tg);
        OpenFile::new_cyclic(o::RDWR | (flags & SFD_NONBLOCK), |me| {
            Box::new(SignalFd { mask: Mutex::new(mask.blockable()), owner, file: me.clone(), boot_ns })
        })
    }

    /// Changes the signals it reads (`signalfd` on an existing one).
    pub fn set_mask(&self, mask: SigSet) {
        *self.mask.lock() = mask.blockable();
    }

    fn nonblocking(&self) -> bool {
        self.file.upgrade().is_some_and(|f| f.flags() & o::NONBLOCK != 0)
    }

    /// Takes one signal of the mask pending for `task`.
    fn take(&self, task: &Task) -> Option<SigInfo> {
        let mask = *self.mask.lock();
        let mut s = task.tg.signals.lock();
        let info = s.dequeue(task.tid, mask);
        s.recalc(task.tid);
        info
    }
}

impl FileOps for SignalFd {
    /// Reads the signals pending for the calling thread, as Linux's
    /// `signalfd_read` does for `current`.
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], _offset: Option<u64>) -> Result<usize, Errno> {
        if buf.len() < RECORD {
            return Err(EINVAL);
        }
        // Every caller the kernel makes is a task.
        let Some(task) = Task::of_context(ctx) else { return Err(EINVAL) };
        let mut first = self.take(task);
        if first.is_none() {
            if self.nonblocking() {
                return Err(EAGAIN);
            }
            let tg = task.tg.clone();
            wait_until(task, &tg.signal_events, events::IN, None, || {
                first = self.take(task);
                first.is_some()
            })?;
        }
        let mut n = 0;
        let mut next = first;
        while let Some(info) = next {
            buf[n..n + RECORD].copy_from_slice(SignalfdSiginfo::of(&info).as_bytes());
            n += RECORD;
            next = if buf.len() - n >= RECORD { self.take(task) } else { None };
        }
        if n == 0 {
            return Err(EINTR);
        }
        Ok(n)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(anon::stat(self.boot_ns))
    }

    fn anon_name(&self) -> &'static str {
        "[signalfd]"
    }

    fn pollable(&self) -> bool {
        true
    }

    fn readiness(&self) -> u32 {
        let Some(tg) = self.owner.upgrade() else { return 0 };
        let mask = *self.mask.lock();
        let s = tg.signals.lock();
        let pending = s.threads.values().fold(s.shared.set().0, |acc, t| acc | t.pending.set().0);
        if pending & mask.0 != 0 {
            events::IN
        } else {
            0
        }
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        if let Some(tg) = self.owner.upgrade() {
            table.add_queue(&tg.signal_events, mask | events::ERR | events::HUP);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_carry_the_fields_of_their_layout() {
        let mut q = SigInfo::from_process(sig::SIGRTMIN, code::SI_QUEUE, 7, 1000);
        q.set_value(42);
        let r = SignalfdSiginfo::of(&q);
        assert_eq!((r.signo, r.pid, r.uid, r.int, r.ptr), (32, 7, 1000, 42, 42));
        let c = SignalfdSiginfo::of(&SigInfo::child(code::CLD_EXITED, 9, 0, 3, 1, 2));
        assert_eq!((r.code, c.pid, c.status, c.utime, c.stime), (code::SI_QUEUE, 9, 3, 1, 2));
        let mut fault = SigInfo::new(sig::SIGSEGV, code::SEGV_MAPERR);
        fault.fields[0] = 0x1000;
        let f = SignalfdSiginfo::of(&fault);
        assert_eq!((f.addr, f.pid), (0x1000, 0));
        let k = SignalfdSiginfo::of(&SigInfo::from_process(sig::SIGUSR1, code::SI_USER, 5, 6));
        assert_eq!((k.pid, k.uid, k.int), (5, 6, 0));
    }
}
