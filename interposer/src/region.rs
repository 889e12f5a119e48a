//! The shared region as the sentry sees it: a memfd mapped here and in one
//! stub process. Everything in it may be written by the app at any time, so
//! this side only touches it through atomics and volatile copies.

use std::io;
use std::os::fd::OwnedFd;
use std::ptr::{addr_of, addr_of_mut, NonNull};
use std::sync::atomic::{fence, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use abi::regs::Regs;
use abi::signal::SigInfo;
use abi::wire::{self, Header, HostOp, Slot, SLOT_BUF_SIZE};

use crate::{placement, sys};

/// Reads a slot field the app (through the stub) may write at any time.
macro_rules! get {
    ($slot:expr, $field:ident) => {
        // SAFETY: the slot pointer lies inside the live mapping and the
        // field is aligned; every slot field is plain data that any bit
        // pattern is a valid value of, so whatever the app wrote reads as
        // some value. Volatile because another process writes the field.
        unsafe { addr_of!((*$slot).$field).read_volatile() }
    };
}

/// Writes a slot field for the stub to read.
macro_rules! put {
    ($slot:expr, $field:ident, $v:expr) => {
        // SAFETY: in bounds and aligned, as for get!; a concurrent write
        // by the app can only garble what the stub reads, to its own harm.
        unsafe { addr_of_mut!((*$slot).$field).write_volatile($v) }
    };
}

/// How long the sentry spins on a slot: the app's next system call usually
/// comes within this.
const SPIN: Duration = Duration::from_micros(10);
/// How long it then keeps polling, giving up its core between polls (on a
/// busy machine the thread it waits for may need that core), before it
/// sleeps on the futex.
const YIELD: Duration = Duration::from_micros(50);

/// One mapped region.
pub(crate) struct Region {
    base: NonNull<u8>,
    fd: OwnedFd,
}

// SAFETY: the mapping is shared memory accessed only through atomics and
// volatile copies; the raw pointer itself is never mutated.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

impl Region {
    /// Creates and maps a region, with its header filled in.
    pub fn new(filter: &[wire::SockFilter], kick: i32, text: (u64, u64)) -> io::Result<Region> {
        let file = sys::memfd("sandbox-region")?;
        file.set_len(wire::REGION_SIZE as u64)?;
        let fd = OwnedFd::from(file);
        let base = sys::map_shared(&fd, wire::REGION_SIZE)?;
        let region = Region { base, fd };
        let h = base.as_ptr() as *mut Header;
        // SAFETY: the mapping is fresh, zeroed, REGION_SIZE long, page
        // aligned, and no other process has it yet.
        unsafe {
            addr_of_mut!((*h).magic).write(wire::REGION_MAGIC);
            addr_of_mut!((*h).kick_signal).write(kick as u32);
            addr_of_mut!((*h).sentry_pid).write(std::process::id());
            addr_of_mut!((*h).text_start).write(text.0);
            addr_of_mut!((*h).text_end).write(text.1);
            addr_of_mut!((*h).filter_len).write(filter.len() as u32);
            let dst = addr_of_mut!((*h).filter) as *mut wire::SockFilter;
            std::ptr::copy_nonoverlapping(filter.as_ptr(), dst, filter.len().min(wire::MAX_FILTER_LEN));
        }
        // Every slot starts zeroed, which is OWNER_STUB: nothing to touch.
        Ok(region)
    }

    /// The memfd, to hand to the stub.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    fn slot(&self, i: usize) -> *mut Slot {
        assert!(i < wire::MAX_THREADS);
        // SAFETY: slot i lies inside the mapping (checked above).
        unsafe { self.base.as_ptr().add(wire::slot_offset(i)) as *mut Slot }
    }

    fn state(&self, i: usize) -> &AtomicU32 {
        // SAFETY: the slot lies inside the mapping, which lives as long as
        // `self`; an atomic may be written by another process at any time.
        unsafe { &(*self.slot(i)).state }
    }

    /// Slot `i`'s word for the CPU its stub last ran on.
    fn stub_cpu(&self, i: usize) -> &AtomicU32 {
        // SAFETY: as for state().
        unsafe { &(*self.slot(i)).stub_cpu }
    }

    /// Slot `i`'s host tid word, as an atomic (the kernel clears it when
    /// the thread is gone).
    fn host_tid_word(&self, i: usize) -> &AtomicU32 {
        // SAFETY: `host_tid` is an aligned u32 inside the slot, which lives
        // as long as `self` (as for state()); AtomicU32 has the layout of u32.
        unsafe { &*(addr_of!((*self.slot(i)).host_tid) as *const AtomicU32) }
    }

    fn sleeping(&self, i: usize) -> (&AtomicU32, &AtomicU32) {
        let s = self.slot(i);
        // SAFETY: as for state().
        unsafe { (&(*s).stub_sleeping, &(*s).sentry_sleeping) }
    }

    /// What slot `i` reports (a [`wire::event`]).
    pub fn event(&self, i: usize) -> u32 {
        get!(self.slot(i), event)
    }

    /// The registers in slot `i`, copied once so the app cannot change
    /// them while the sentry looks at them.
    pub fn regs(&self, i: usize) -> Regs {
        get!(self.slot(i), regs)
    }

    /// The fault siginfo in slot `i`.
    pub fn info(&self, i: usize) -> SigInfo {
        get!(self.slot(i), info)
    }

    /// Where in the region slot `i`'s current signal frame keeps the
    /// app's FP state, and how long that area is: the fxsave area, and
    /// when its software-reserved words say so the xsave area after it up
    /// to and including the closing magic word. `None` when the stub
    /// reported none (the fast path) or the app scribbled over the frame
    /// so that it no longer lies inside the slot's own signal stack.
    fn fpstate_range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        use abi::signal::fpstate as fp;
        let start = usize::try_from(get!(self.slot(i), fpstate)).ok()?;
        let stack = wire::stack_offset(i)..wire::stack_offset(i) + wire::SIGNAL_STACK_SIZE;
        if !stack.contains(&start) || stack.end - start < fp::FXSAVE_SIZE {
            return None;
        }
        let word = |off: usize| {
            let mut b = [0u8; 4];
            self.read_bytes(start + off, &mut b);
            u32::from_ne_bytes(b)
        };
        let len = if word(fp::SW_MAGIC1) == fp::FP_XSTATE_MAGIC1 { word(fp::SW_EXTENDED_SIZE) as usize } else { fp::FXSAVE_SIZE };
        let min = if len == fp::FXSAVE_SIZE { fp::FXSAVE_SIZE } else { fp::FXSAVE_SIZE + fp::XSAVE_HEADER_SIZE + 4 };
        (len >= min && len <= stack.end - start).then_some(start..start + len)
    }

    /// A copy of the app's FP state in slot `i`'s current signal frame
    /// (see [`Region::fpstate_range`]).
    pub fn fpstate(&self, i: usize) -> Option<Vec<u8>> {
        let range = self.fpstate_range(i)?;
        let mut out = vec![0u8; range.len()];
        self.read_bytes(range.start, &mut out);
        Some(out)
    }

    /// Replaces the app's FP state in slot `i`'s current signal frame, to
    /// be restored when the thread resumes; false (nothing written) unless
    /// `data` is exactly as long as the area there.
    pub fn set_fpstate(&self, i: usize, data: &[u8]) -> bool {
        match self.fpstate_range(i) {
            Some(range) if range.len() == data.len() => {
                // SAFETY: the range lies inside the mapping (checked by
                // fpstate_range); the bytes are opaque data.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.base.as_ptr().add(range.start), data.len()) };
                true
            }
            _ => false,
        }
    }

    /// Copies region bytes at `off` (inside the mapping) into `out`.
    fn read_bytes(&self, off: usize, out: &mut [u8]) {
        assert!(off + out.len() <= wire::REGION_SIZE);
        // SAFETY: in bounds (checked above); opaque bytes, which the app
        // may change concurrently only to its own harm.
        unsafe { std::ptr::copy_nonoverlapping(self.base.as_ptr().add(off), out.as_mut_ptr(), out.len()) }
    }

    /// The host thread id the stub wrote into slot `i`.
    pub fn host_tid(&self, i: usize) -> u32 {
        get!(self.slot(i), host_tid)
    }

    /// The result of the host operation slot `i` ran.
    pub fn op_result(&self, i: usize) -> i64 {
        get!(self.slot(i), op).ret
    }

    /// Waits until the kernel has cleared slot `i`'s host tid (the thread
    /// that served it is gone), or `gone()` turns true.
    pub fn wait_thread_gone(&self, i: usize, gone: impl Fn() -> bool) {
        let word = self.host_tid_word(i);
        loop {
            let tid = word.load(Ordering::SeqCst);
            if tid == 0 || gone() {
                return;
            }
            sys::futex_wait_timeout(word, tid, std::time::Duration::from_millis(10));
        }
    }

    /// Makes slot `i` as a fresh region has it, for its next thread.
    pub fn reset_slot(&self, i: usize) {
        let s = self.slot(i);
        put!(s, event, 0);
        put!(s, command, 0);
        self.state(i).store(wire::OWNER_STUB, Ordering::SeqCst);
    }

    /// Orders slot `i` to resume: with every register from `regs` when
    /// given, else with just `rax = ret`; `copy` is a `COPY_OUT` of the
    /// slot buffer; `flags` are further [`wire::resume`] flags.
    pub fn order_resume(&self, i: usize, mut flags: u32, ret: u64, regs: Option<&Regs>, copy: Option<(u64, usize)>) {
        let s = self.slot(i);
        match regs {
            Some(r) => {
                put!(s, regs, *r);
                flags |= wire::resume::REGS;
            }
            None => put!(s, ret, ret),
        }
        if let Some((addr, len)) = copy {
            put!(s, copy_addr, addr);
            put!(s, copy_len, len as u64);
            flags |= wire::resume::COPY_OUT;
        }
        put!(s, resume_flags, flags);
        put!(s, command, wire::command::RESUME);
    }

    /// Orders slot `i` to run a host operation.
    pub fn order_op(&self, i: usize, op: HostOp) {
        let s = self.slot(i);
        put!(s, op, op);
        put!(s, command, wire::command::OP);
    }

    /// Copies the first `out.len()` bytes of slot `i`'s buffer.
    pub fn read_buf(&self, i: usize, out: &mut [u8]) {
        assert!(out.len() <= SLOT_BUF_SIZE);
        // SAFETY: in bounds; the bytes are treated as opaque data, so a
        // concurrent write by the app can only change what we read.
        unsafe { std::ptr::copy_nonoverlapping(addr_of!((*self.slot(i)).buf) as *const u8, out.as_mut_ptr(), out.len()) }
    }

    /// Fills the start of slot `i`'s buffer with `data`.
    pub fn write_buf(&self, i: usize, data: &[u8]) {
        assert!(data.len() <= SLOT_BUF_SIZE);
        // SAFETY: in bounds, as above.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), addr_of_mut!((*self.slot(i)).buf) as *mut u8, data.len()) }
    }

    /// Hands slot `i` to the stub, waking it if it sleeps.
    pub fn publish(&self, i: usize) {
        let state = self.state(i);
        state.store(wire::OWNER_STUB, Ordering::SeqCst);
        if self.sleeping(i).0.load(Ordering::SeqCst) != 0 {
            sys::futex_wake(state);
        }
    }

    /// Waits until the stub hands slot `i` over, or `gone()` turns true;
    /// returns false in the second case. Spins first, then yields, then
    /// sleeps; whoever makes `gone()` true must call [`Region::wake_all`].
    /// A stub last seen on this CPU cannot run while this thread spins
    /// there: the thread does not spin, and moves to another CPU if the two
    /// keep meeting ([`placement`]).
    pub fn wait(&self, i: usize, gone: impl Fn() -> bool) -> bool {
        let state = self.state(i);
        let spin = if placement::may_spin(sys::current_cpu(), self.stub_cpu(i).load(Ordering::Relaxed)) { SPIN } else { Duration::ZERO };
        let start = Instant::now();
        let mut spins = 0u32;
        loop {
            let v = state.load(Ordering::Acquire);
            if v == wire::OWNER_SENTRY {
                return true;
            }
            if gone() {
                return false;
            }
            spins += 1;
            if !spins.is_multiple_of(64) {
                std::hint::spin_loop();
                continue;
            }
            let waited = start.elapsed();
            if waited < spin {
                continue;
            }
            if waited < YIELD {
                std::thread::yield_now();
                continue;
            }
            let flag = self.sleeping(i).1;
            flag.store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if state.load(Ordering::SeqCst) == v && !gone() {
                sys::futex_wait(state, v);
            }
            flag.store(0, Ordering::Relaxed);
        }
    }

    /// Wakes every sentry waiter of slots `0..n` (the process is gone).
    pub fn wake_all(&self, n: usize) {
        for i in 0..n.min(wire::MAX_THREADS) {
            sys::futex_wake(self.state(i));
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the Region owns the mapping and this is its last use.
        unsafe { sys::unmap(self.base, wire::REGION_SIZE) }
    }
}
