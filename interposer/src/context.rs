//! A context: one app thread as the sentry drives it.

use std::sync::Arc;

use abi::regs::Regs;
use abi::signal::SigInfo;
use abi::wire::{self, event, resume, HostOp, SLOT_BUF_SIZE};
use nix::errno::Errno;

use crate::batch::Batch;
use crate::space::{AddressSpace, Fault, Liveness};
use crate::{sys, KICK_SIGNAL};

/// Why [`Context::switch`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The thread made a system call; its registers are in [`Context::regs`]
    /// with `rax` holding the number and `rip` just past the instruction.
    Syscall,
    /// The thread took a synchronous fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
    /// SIGTRAP) described by the host's siginfo; `regs` are at the fault.
    Fault(SigInfo),
    /// The thread was kicked and stopped in app code.
    Interrupt,
    /// The stub process is gone; the raw host wait status says how.
    Exited(i32),
}

/// The stub process died while the sentry was talking to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone;

/// Interrupts a thread running app code, from any thread.
#[derive(Clone)]
pub struct Kicker {
    live: Arc<Liveness>,
    pid: i32,
    tid: i32,
}

impl Kicker {
    /// Makes the thread stop at its next instruction and report
    /// [`Event::Interrupt`] (or its pending event) to its context.
    pub fn kick(&self) {
        self.live.while_alive(|| sys::tgkill(self.pid, self.tid, KICK_SIGNAL));
    }
}

/// One app thread. Between events the sentry owns its slot: it may read
/// and write memory, run host operations and change registers; `switch`
/// then runs the thread until its next event.
pub struct Context {
    space: Arc<AddressSpace>,
    slot: usize,
    host_tid: i32,
    /// The segment selectors the kernel gave the thread: restored on every
    /// resume, whatever the app wrote into its slot.
    selectors: u64,
    /// The thread's registers: as trapped, and as they will be resumed.
    pub regs: Regs,
    /// The registers as the stub last reported them: what the stub's
    /// frame already holds, so only differences need to travel.
    trapped: Regs,
    flags: u32,
    copy_out: Option<(u64, usize)>,
    /// Set by [`Context::resume`]: the thread already runs, and the next
    /// `switch` only waits for its event.
    running: bool,
    /// Whether the last system call came through a patched site.
    fast: bool,
}

impl Context {
    pub(crate) fn new(space: Arc<AddressSpace>, slot: usize, host_tid: i32, regs: Regs) -> Context {
        Context { space, slot, host_tid, selectors: regs.csgsfs, regs, trapped: regs, flags: 0, copy_out: None, running: false, fast: false }
    }

    /// The slot this thread uses in its region.
    pub(crate) fn slot(&self) -> usize {
        self.slot
    }

    /// This thread's copy in a child forked from it.
    pub(crate) fn forked(&self, space: Arc<AddressSpace>, host_tid: i32) -> Context {
        Context { space, host_tid, flags: 0, copy_out: None, running: false, ..*self }
    }

    /// Starts a new thread in this thread's process, stopped before its
    /// first instruction with this thread's registers (the caller sets the
    /// new thread's own).
    pub fn spawn_thread(&mut self) -> std::io::Result<Context> {
        let space = self.space.clone();
        let slot = space.alloc_slot().ok_or_else(|| std::io::Error::from(Errno::EAGAIN))?;
        space.live.region.reset_slot(slot);
        let started = self.host_op(wire::op::THREAD, [slot as u64, 0, 0, 0, 0, 0]).map_err(|_| std::io::Error::other("the process died"));
        let tid = match started.map(abi::Errno::from_ret) {
            Ok(Ok(tid)) => tid as i32,
            Ok(Err(e)) => {
                space.free_slot(slot);
                return Err(std::io::Error::from_raw_os_error(e.0));
            }
            Err(e) => return Err(e),
        };
        let live = &space.live;
        if !live.region.wait(slot, || live.is_dead()) {
            return Err(std::io::Error::other("the process died"));
        }
        // The new thread's frame holds its own (stub) registers; the first
        // resume loads all of `regs`.
        let trapped = live.region.regs(slot);
        Ok(Context { space: space.clone(), slot, host_tid: tid, trapped, flags: 0, copy_out: None, running: false, ..*self })
    }

    /// Ends this thread on the host (its process goes on), and once it is
    /// gone, frees its slot for another thread.
    ///
    /// The process's leader thread (the one whose tid is the process's
    /// pid: the first thread, or a forked child's) is not ended but left
    /// parked in the stub, its slot never reused, until the process dies:
    /// the host refuses `process_vm_readv` and `/proc/PID` memory figures
    /// for a thread group whose leader has exited, and those name the
    /// process by the leader's pid.
    pub fn exit_thread(self) {
        if self.host_tid == self.space.host_pid() {
            return;
        }
        let region = &self.space.live.region;
        region.order_op(self.slot, HostOp { nr: abi::sysno::EXIT as u64, args: [0; 6], ret: 0 });
        region.publish(self.slot);
        // Threads the stub made have the kernel clear their tid word when
        // they are gone.
        let live = &self.space.live;
        region.wait_thread_gone(self.slot, || live.is_dead());
        self.space.free_slot(self.slot);
    }

    /// Forks the process this thread runs in (see [`AddressSpace`]): the
    /// child's only thread is a copy of this one, stopped in the same
    /// system call with the same registers.
    pub fn fork(&mut self) -> std::io::Result<(Arc<AddressSpace>, Context)> {
        AddressSpace::fork(self)
    }

    /// The address space the thread runs in.
    pub fn space(&self) -> &Arc<AddressSpace> {
        &self.space
    }

    /// A handle that can interrupt this thread from another thread.
    pub fn kicker(&self) -> Kicker {
        Kicker { live: self.space.live.clone(), pid: self.space.host_pid(), tid: self.host_tid }
    }

    /// CPU time this thread has used so far (app code and its stub).
    pub fn cpu_time(&self) -> Option<std::time::Duration> {
        let (pid, tid) = (self.space.host_pid(), self.host_tid);
        self.space.live.while_alive(|| sys::thread_cpu_time(pid, tid)).flatten()
    }

    /// Resets the FPU and SSE registers at the next resume (a new image).
    pub fn reset_fpu_on_resume(&mut self) {
        self.flags |= resume::RESET_FPU;
    }

    /// The app's FP/xsave state as the thread stopped at its last event
    /// (in the kernel's signal-frame format), or `None` when the event came
    /// without a signal frame ([`Context::entered_fast`]) or the frame is
    /// damaged.
    pub fn fpstate(&self) -> Option<Vec<u8>> {
        self.space.live.region.fpstate(self.slot)
    }

    /// Replaces the FP state the thread resumes with (same format and
    /// length as [`Context::fpstate`] returned); false if it cannot be.
    pub fn set_fpstate(&mut self, data: &[u8]) -> bool {
        self.space.live.region.set_fpstate(self.slot, data)
    }

    /// Whether the last [`Event::Syscall`] came through a patched site (no
    /// signal), rather than a trap.
    pub fn entered_fast(&self) -> bool {
        self.fast
    }

    /// Lets the thread run with `self.regs` without waiting for its next
    /// event (the next [`Context::switch`] waits for it). For a new thread
    /// that can start while the sentry thread that will serve it is still
    /// being made.
    pub fn resume(&mut self) {
        if self.running {
            return;
        }
        let region = &self.space.live.region;
        let regs = Regs { csgsfs: self.selectors, ..self.regs };
        // Most system calls change only rax: then only it travels.
        let full = (Regs { rax: self.trapped.rax, ..regs } != self.trapped).then_some(&regs);
        region.order_resume(self.slot, std::mem::take(&mut self.flags), regs.rax, full, self.copy_out.take());
        region.publish(self.slot);
        self.running = true;
    }

    /// Runs the thread with `self.regs` until its next event.
    pub fn switch(&mut self) -> Event {
        self.resume();
        self.running = false;
        let region = &self.space.live.region;
        if self.wait().is_err() {
            return Event::Exited(self.space.wait_exit());
        }
        self.regs = region.regs(self.slot);
        self.trapped = self.regs;
        let ev = region.event(self.slot);
        self.fast = ev == event::FAST_SYSCALL;
        match ev {
            event::SYSCALL | event::FAST_SYSCALL => Event::Syscall,
            event::FAULT => Event::Fault(region.info(self.slot)),
            // INTERRUPT, or anything a confused or hostile app wrote there:
            // the thread stopped in app code; carry on from there.
            _ => Event::Interrupt,
        }
    }

    fn wait(&self) -> Result<(), Gone> {
        let live = &self.space.live;
        if live.region.wait(self.slot, || live.is_dead()) {
            Ok(())
        } else {
            Err(Gone)
        }
    }

    /// Has the stub run host system call `nr` (one of the stub's allowed
    /// calls) or a [`wire::op`], returning its raw result.
    pub fn host_op(&mut self, nr: u64, args: [u64; 6]) -> Result<i64, Gone> {
        let region = &self.space.live.region;
        region.order_op(self.slot, HostOp { nr, args, ret: 0 });
        region.publish(self.slot);
        self.wait()?;
        if region.event(self.slot) != event::OP_DONE {
            // Only the app can have put anything else there.
            return Err(Gone);
        }
        Ok(region.op_result(self.slot))
    }

    /// Has the stub map host file `fd` (which it receives for the call and
    /// closes after): `mmap(addr, len, prot, flags, fd, offset)`, returning
    /// the raw result.
    pub fn map_file(&mut self, fd: std::os::fd::BorrowedFd<'_>, addr: u64, len: u64, prot: u64, flags: u64, offset: u64) -> Result<i64, Gone> {
        let space = self.space.clone();
        let _g = space.ctl_lock.lock();
        sys::send_fds(&space.ctl, &[std::os::fd::AsRawFd::as_raw_fd(&fd)]).map_err(|_| Gone)?;
        self.host_op(wire::op::MMAP_FD, [addr, len, prot, flags, 0, offset])
    }

    /// Has the stub run `batch` in one round trip ([`wire::op::BATCH`]),
    /// stopping after the first operation that fails; results are then in
    /// [`Batch::ret`]. With `fd`, every [`wire::op::MMAP_FD`] in it maps
    /// that descriptor. Returns how many succeeded. The batch must
    /// [fit](Batch::fits).
    pub fn run_batch(&mut self, batch: &mut Batch, fd: Option<std::os::fd::BorrowedFd<'_>>) -> Result<usize, Gone> {
        assert!(batch.fits(), "a batch of {} host operations does not fit the slot", batch.len());
        let bytes = batch.encode();
        let space = self.space.clone();
        let _g = space.ctl_lock.lock();
        if let Some(fd) = fd {
            sys::send_fds(&space.ctl, &[std::os::fd::AsRawFd::as_raw_fd(&fd)]).map_err(|_| Gone)?;
        }
        let region = &space.live.region;
        region.write_buf(self.slot, &bytes);
        let r = self.host_op(wire::op::BATCH, [batch.len() as u64, fd.is_some() as u64, 0, 0, 0, 0])?;
        let done = usize::try_from(r).map_err(|_| Gone)?.min(batch.len());
        let mut records = vec![0u8; batch.len() * std::mem::size_of::<HostOp>()];
        region.read_buf(self.slot, &mut records);
        batch.decode(&records, (done + 1).min(batch.len()));
        Ok(done)
    }

    /// Atomically replaces the app's 32-bit word at `addr` with `new` if it
    /// holds `old`; returns the value found there.
    pub fn cmpxchg32(&mut self, addr: u64, old: u32, new: u32) -> Result<u32, Fault> {
        match self.host_op(wire::op::CMPXCHG32, [addr, old as u64, new as u64, 0, 0, 0]) {
            Ok(v) if v >= 0 => Ok(v as u32),
            _ => Err(Fault),
        }
    }

    /// Reads app memory: small buffers through the slot, others with a
    /// cross-process copy.
    pub fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        if buf.len() > SLOT_BUF_SIZE || buf.is_empty() {
            return self.space.read(addr, buf);
        }
        match self.host_op(wire::op::COPY_IN, [addr, buf.len() as u64, 0, 0, 0, 0]) {
            Ok(0) => {
                self.space.live.region.read_buf(self.slot, buf);
                Ok(())
            }
            _ => Err(Fault),
        }
    }

    /// Reads `len` bytes of app memory at `addr` onto the end of `buf`,
    /// all of them or none (`buf` is then as it was). A large read goes
    /// straight into `buf`'s spare room, which is not zeroed first.
    pub fn read_append(&mut self, addr: u64, len: usize, buf: &mut Vec<u8>) -> Result<(), Fault> {
        let old = buf.len();
        if len <= SLOT_BUF_SIZE {
            buf.resize(old + len, 0);
            return self.read(addr, &mut buf[old..]).inspect_err(|_| buf.truncate(old));
        }
        buf.reserve(len);
        if self.space.read_partial_uninit(addr, &mut buf.spare_capacity_mut()[..len]) != len {
            return Err(Fault);
        }
        // SAFETY: the host wrote all `len` bytes of the spare room past
        // `old` (reserved above).
        unsafe { buf.set_len(old + len) };
        Ok(())
    }

    /// Writes app memory now.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        if data.len() > SLOT_BUF_SIZE || data.is_empty() {
            return self.space.write(addr, data);
        }
        self.space.live.region.write_buf(self.slot, data);
        match self.host_op(wire::op::COPY_OUT, [addr, data.len() as u64, 0, 0, 0, 0]) {
            Ok(0) => Ok(()),
            _ => Err(Fault),
        }
    }

    /// Writes app memory as part of the next resume, saving a round trip:
    /// if the copy faults then, the system call returns `-EFAULT`. Only for
    /// the result buffer of the system call being completed. Returns false
    /// (and writes nothing) if `data` does not fit the slot.
    pub fn write_on_resume(&mut self, addr: u64, data: &[u8]) -> bool {
        if data.len() > SLOT_BUF_SIZE || self.copy_out.is_some() {
            return false;
        }
        self.space.live.region.write_buf(self.slot, data);
        self.copy_out = Some((addr, data.len()));
        true
    }
}
