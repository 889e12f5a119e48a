//! A task: one app thread and the sentry thread that drives it.
//!
//! The sentry thread runs the task's loop: switch to the app until its next
//! event, handle the event against the model, and repeat until the task
//! exits. Everything in `Task` belongs to that thread; what other threads
//! may touch is reachable through a [`TaskHandle`].
//!
//! The app thread is a host thread of a stub process: the threads of one
//! process share one, and so do processes made with `CLONE_VM` (a vfork
//! child runs in its parent's stub process, see `syscalls::sys_process`),
//! which share the memory map too ([`MemoryManager::users`] counts them). A
//! thread that ends alone ends its own host thread. The last thread of a
//! process ends the stub process only if no other process uses it;
//! otherwise it ends its own host thread and leaves the stub process to
//! the others, the last of which ends it (`Task::finish`). A kill
//! ([`TaskHandle::kill`]) likewise kills the stub process at once only
//! when the process is alone in it; a process sharing it is stopped by the
//! kick and the interruption of its threads, which then end their own
//! host threads.

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use abi::process::TASK_COMM_LEN;
use abi::signal::{sig, SigSet};
use abi::{Errno, Pod};
use interposer::{AddressSpace, Context, Event, Kicker};
use parking_lot::Mutex;

use super::cpu_clock::TaskClock;
use super::exit::ExitStatus;
use super::signal_frame::AltStack;
use super::thread_group::{ThreadGroup, Usage};
use crate::waiter::Waiter;
use super::Kernel;
use crate::loader::LoadError;
use crate::mm::MemoryManager;
use crate::vfs::{self, FdTable, FsContext};

/// One app thread.
pub struct Task {
    /// The kernel the task belongs to.
    pub kernel: Arc<Kernel>,
    /// Its process.
    pub tg: Arc<ThreadGroup>,
    /// Its thread id.
    pub tid: i32,
    /// Its thread on the platform: registers, memory, host operations.
    pub ctx: Context,
    /// Its address space.
    pub mm: Arc<MemoryManager>,
    /// Its descriptor table.
    pub fds: Arc<FdTable>,
    /// Its root, working directory and umask.
    pub fs: Arc<FsContext>,
    /// Its interruptible sleep.
    pub waiter: Arc<Waiter>,
    /// Its CPU time (see `cpu_clock`).
    pub cpu: Arc<TaskClock>,
    /// Its name (`comm`), NUL-padded; shared with its [`TaskHandle`]
    /// (`/proc/PID/comm` reads and writes it).
    pub comm: Arc<Mutex<[u8; TASK_COMM_LEN]>>,
    /// When the task was made (monotonic nanoseconds since boot).
    pub started: i64,
    /// `set_tid_address`: cleared and woken when the thread exits.
    pub clear_child_tid: u64,
    /// `set_robust_list`: head and length.
    pub robust_list: (u64, u64),
    /// The thread pointer (`arch_prctl(ARCH_SET_FS)`).
    pub fs_base: u64,
    /// The `gs` base (`arch_prctl(ARCH_SET_GS)`).
    pub gs_base: u64,
    /// The alternate signal stack (`sigaltstack`).
    pub altstack: AltStack,
    /// How the system call just served restarts if a signal interrupts
    /// it: Linux's `ERESTART*` code and the call's number.
    pub(super) restart: Option<(Errno, u64)>,
    /// What `restart_syscall` runs: the rest of an interrupted call that
    /// restarts with changed arguments (a sleep's remaining time).
    pub restart_block: Option<RestartBlock>,
    /// The registers a system call returned with, kept while the thread
    /// traps once more to stop in a signal frame (see `RETRAP_NR`).
    pub(super) retrap: Option<abi::regs::Regs>,
    /// CPUs the thread may run on (`sched_setaffinity`), one bit each;
    /// shared with its [`TaskHandle`] so other threads can set it too.
    pub affinity: Arc<AtomicU64>,
    /// The thread's nice value, -20 to 19 (`setpriority`); shared with its
    /// [`TaskHandle`] so other threads can set it too. Recorded: the host
    /// schedules as it likes.
    pub nice: Arc<AtomicI32>,
    /// `PR_SET_NO_NEW_PRIVS`: set once, never cleared, inherited; shared
    /// with its [`TaskHandle`].
    pub no_new_privs: Arc<AtomicBool>,
    /// Set when this thread alone exits (`exit`), with its status.
    pub(super) thread_exit: Option<ExitStatus>,
    /// Set while the task waits at its stop point or in a group stop (see
    /// [`TaskHandle`]).
    pub(super) stopped: Arc<AtomicBool>,
    /// See [`TaskHandle::zap`].
    zapped: Arc<AtomicBool>,
    /// The buffer `read` and `write` move data through, kept between
    /// calls (see `sys_read_write::io_buffer`) so that a stream of
    /// transfers neither allocates nor zeroes it each time.
    pub io_buf: Vec<u8>,
}

/// The continuation of an interrupted call, run by `restart_syscall`.
pub type RestartBlock = Box<dyn FnOnce(&mut Task) -> Result<u64, Errno> + Send>;

/// What other threads may do to a task.
#[derive(Clone)]
pub struct TaskHandle {
    /// The task's thread id.
    pub tid: i32,
    /// Its process.
    pub tg: Arc<ThreadGroup>,
    waiter: Arc<Waiter>,
    kicker: Kicker,
    space: Arc<AddressSpace>,
    /// Set while the task waits at its stop point (`Kernel::pause`).
    stopped: Arc<AtomicBool>,
    /// Set when another thread of the process execs: this thread ends.
    zapped: Arc<AtomicBool>,
    /// The task's CPU affinity (see [`Task::affinity`]).
    pub affinity: Arc<AtomicU64>,
    /// The task's nice value (see [`Task::nice`]).
    pub nice: Arc<AtomicI32>,
    /// The task's name (see [`Task::comm`]).
    pub comm: Arc<Mutex<[u8; TASK_COMM_LEN]>>,
    /// See [`Task::no_new_privs`].
    pub no_new_privs: Arc<AtomicBool>,
    /// See [`Task::started`].
    pub started: i64,
    /// The task's address space, descriptors and filesystem context, for
    /// `/proc` (not kept alive by the handle: a dead task's are gone).
    pub mm: Weak<MemoryManager>,
    /// See `mm`.
    pub fds: Weak<FdTable>,
    /// See `mm`.
    pub fs: Weak<FsContext>,
}

impl TaskHandle {
    /// Ends this thread because another thread of its process is exec'ing
    /// (its host process is about to be replaced).
    pub fn zap(&self) {
        self.zapped.store(true, Ordering::SeqCst);
        self.waiter.interrupt();
        self.kicker.kick();
    }

    /// Whether the task is at a known point: stopped, or asleep in a
    /// blocking call.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst) || self.waiter.is_asleep()
    }

    /// The task's state letter as `/proc/PID/stat` shows it: `T` in a
    /// group stop, `S` asleep, `R` otherwise.
    pub fn state(&self) -> u8 {
        if self.stopped.load(Ordering::SeqCst) && self.tg.signals.lock().stop.signo.is_some() {
            b'T'
        } else if self.is_stopped() {
            b'S'
        } else {
            b'R'
        }
    }

    /// Reads the task's memory at `addr` into `buf` up to the first
    /// unreadable byte; returns how many bytes were read (0 once the
    /// process is gone).
    pub fn read_memory(&self, addr: u64, buf: &mut [u8]) -> usize {
        match self.mm.upgrade() {
            Some(mm) if mm.is_user_range(addr, buf.len() as u64) => self.space.read_partial(addr, buf),
            _ => 0,
        }
    }

    /// The host process's resident set size and its peak, in KiB (0
    /// when unknown).
    pub fn resident_kib(&self) -> (u64, u64) {
        (self.space.rss_kib().unwrap_or(0), self.space.max_rss_kib().unwrap_or(0))
    }

    /// Interrupts the task if it runs app code (for `Kernel::pause`).
    pub fn kick(&self) {
        self.kicker.kick();
    }

    /// Makes the task's whole process exit with `status`, wherever the
    /// task is: in app code, in a host operation, or asleep. A process
    /// alone in its address space loses its host process at once; one
    /// that shares it (`CLONE_VM`) leaves it to the others: the kick and
    /// the interruption bring its threads back to the sentry, and each
    /// ends its own host thread.
    pub fn kill(&self, status: ExitStatus) {
        self.tg.begin_exit(status);
        if !self.mm.upgrade().is_some_and(|mm| mm.is_shared()) {
            self.space.kill();
        }
        self.waiter.interrupt();
        self.kicker.kick();
    }

    /// Kills the task's host process outright, whatever other processes
    /// share it: for when every process is being killed.
    pub fn kill_host_process(&self) {
        self.space.kill();
    }
}

/// The task a sentry thread serves, as other parts of the sentry see it
/// from that thread (`/proc/self` names its process).
pub struct Current {
    /// Its process.
    pub tg: Arc<ThreadGroup>,
    /// Its thread id.
    pub tid: i32,
    /// Its root, working directory and umask.
    pub fs: Arc<FsContext>,
}

/// What [`set_current`] recorded, held weakly: a thread serves one task.
#[derive(Default)]
struct CurrentRef {
    tg: Weak<ThreadGroup>,
    tid: i32,
    fs: Weak<FsContext>,
}

thread_local! {
    static CURRENT: std::cell::RefCell<CurrentRef> = std::cell::RefCell::new(CurrentRef::default());
}

/// Records `task` as the one the calling sentry thread serves: when its
/// thread starts, and after an `execve`.
pub fn set_current(task: &Task) {
    CURRENT.with(|c| *c.borrow_mut() = CurrentRef { tg: Arc::downgrade(&task.tg), tid: task.tid, fs: Arc::downgrade(&task.fs) });
}

/// The task the calling sentry thread serves, if any and still alive.
pub fn current() -> Option<Current> {
    CURRENT.with(|c| {
        let c = c.borrow();
        Some(Current { tg: c.tg.upgrade()?, tid: c.tid, fs: c.fs.upgrade()? })
    })
}

/// Sets a task's name `comm` to `name` up to its first NUL, truncated to
/// 15 bytes as Linux does.
pub fn set_comm(comm: &Mutex<[u8; TASK_COMM_LEN]>, name: &[u8]) {
    let mut c = [0; TASK_COMM_LEN];
    let n = name.iter().position(|&b| b == 0).unwrap_or(name.len()).min(TASK_COMM_LEN - 1);
    c[..n].copy_from_slice(&name[..n]);
    *comm.lock() = c;
}

/// The affinity mask of every CPU the sandbox has.
pub fn all_cpus(cores: u32) -> u64 {
    if cores >= 64 {
        u64::MAX
    } else {
        (1u64 << cores) - 1
    }
}

impl Task {
    /// The first task of a new process, in a fresh address space with
    /// nothing mapped yet.
    pub fn new_process(kernel: Arc<Kernel>, tg: Arc<ThreadGroup>) -> Result<Task, LoadError> {
        let (space, ctx) = AddressSpace::new().map_err(LoadError::Platform)?;
        let fds = tg.initial_fds.lock().take().unwrap_or_default();
        let mm = Arc::new(MemoryManager::new(space.reserved(), kernel.memory.clone()));
        let task = Task::build(kernel.clone(), tg.clone(), tg.tgid, ctx, mm, fds)?;
        task.affinity.store(all_cpus(kernel.application_cores), Ordering::Relaxed);
        Ok(task)
    }

    /// The only thread of a child process made from `parent`'s process by
    /// this thread, `tg` the child process: forked (`ctx` and `mm` are
    /// the child's copies), or sharing the parent's memory (`CLONE_VM`:
    /// `ctx` is a new host thread of the parent's stub process, `mm` the
    /// parent's, which already counts the child among its users).
    /// Registers are the parent's; the caller sets the child's return
    /// value.
    pub fn forked(parent: &Task, tg: Arc<ThreadGroup>, ctx: Context, mm: Arc<MemoryManager>) -> Result<Task, LoadError> {
        let fds = tg.initial_fds.lock().take().unwrap_or_default();
        let mut task = Task::build(parent.kernel.clone(), tg.clone(), tg.tgid, ctx, mm, fds)?;
        task.inherit(parent);
        Ok(task)
    }

    /// A new thread of `parent`'s process, running in `ctx` (a new host
    /// thread of the same stub process) with thread id `tid`.
    pub fn new_thread(parent: &Task, ctx: Context, tid: i32) -> Result<Task, LoadError> {
        let mut task = Task::build(parent.kernel.clone(), parent.tg.clone(), tid, ctx, parent.mm.clone(), parent.fds.clone())?;
        task.inherit(parent);
        // A thread shares its memory, but not its creator's signal stack.
        task.altstack = AltStack::DISABLED;
        Ok(task)
    }

    /// A new live thread of `tg` with Linux's initial per-thread state.
    fn build(kernel: Arc<Kernel>, tg: Arc<ThreadGroup>, tid: i32, ctx: Context, mm: Arc<MemoryManager>, fds: Arc<FdTable>) -> Result<Task, LoadError> {
        let cpu = Arc::new(TaskClock::new(&kernel.cpu, tid));
        let waiter = Waiter::with_hook(cpu.clone()).map_err(LoadError::Platform)?;
        tg.cpu.add_thread(&cpu);
        tg.exit.lock().live_threads += 1;
        let fs = Arc::new(FsContext::new(kernel.mounts.root(), kernel.start_dir.clone()));
        let kernel_now = kernel.timekeeper.monotonic_ns();
        let task = Task {
            fs,
            kernel,
            tg,
            tid,
            ctx,
            mm,
            fds,
            waiter: Arc::new(waiter),
            cpu,
            comm: Arc::new(Mutex::new([0; TASK_COMM_LEN])),
            started: kernel_now,
            clear_child_tid: 0,
            robust_list: (0, 0),
            fs_base: 0,
            gs_base: 0,
            altstack: AltStack::default(),
            restart: None,
            restart_block: None,
            retrap: None,
            affinity: Arc::new(AtomicU64::new(0)),
            nice: Arc::new(AtomicI32::new(0)),
            no_new_privs: Arc::new(AtomicBool::new(false)),
            thread_exit: None,
            stopped: Arc::new(AtomicBool::new(false)),
            zapped: Arc::new(AtomicBool::new(false)),
            io_buf: Vec::new(),
        };
        task.register_signals(SigSet(0));
        Ok(task)
    }

    /// What a new thread or forked child takes from the thread that made
    /// it (the death signal and the robust list are not inherited).
    fn inherit(&mut self, parent: &Task) {
        self.comm = Arc::new(Mutex::new(*parent.comm.lock()));
        self.fs = Arc::new(parent.fs.fork_copy());
        self.fs_base = parent.fs_base;
        self.gs_base = parent.gs_base;
        self.set_sigmask(parent.sigmask(), false);
        self.altstack = parent.altstack;
        self.affinity.store(parent.affinity.load(Ordering::Relaxed), Ordering::Relaxed);
        self.nice.store(parent.nice.load(Ordering::Relaxed), Ordering::Relaxed);
        self.no_new_privs = Arc::new(AtomicBool::new(parent.no_new_privs.load(Ordering::Relaxed)));
    }

    /// A handle for other threads.
    pub fn handle(&self) -> TaskHandle {
        TaskHandle {
            tid: self.tid,
            tg: self.tg.clone(),
            waiter: self.waiter.clone(),
            kicker: self.ctx.kicker(),
            space: self.ctx.space().clone(),
            stopped: self.stopped.clone(),
            zapped: self.zapped.clone(),
            affinity: self.affinity.clone(),
            nice: self.nice.clone(),
            comm: self.comm.clone(),
            no_new_privs: self.no_new_privs.clone(),
            started: self.started,
            mm: Arc::downgrade(&self.mm),
            fds: Arc::downgrade(&self.fds),
            fs: Arc::downgrade(&self.fs),
        }
    }

    /// Sets the task's name, truncated to 15 bytes as Linux does.
    pub fn set_comm(&mut self, name: &[u8]) {
        set_comm(&self.comm, name);
    }

    /// The task loop; returns when the task has exited.
    pub fn run(mut self) {
        self.cpu.start_running();
        while self.thread_exit.is_none() && self.tg.exit_status().is_none() {
            self.kernel.tasks.stop_point(&self.stopped, &self.cpu);
            if self.zapped.load(Ordering::SeqCst) {
                self.thread_exit = Some(ExitStatus::killed_by(sig::SIGKILL));
                break;
            }
            self.handle_signals();
            if self.thread_exit.is_some() || self.tg.exit_status().is_some() {
                break;
            }
            self.cpu.enter_app();
            let event = self.ctx.switch();
            self.cpu.leave_app();
            if self.took_retrap(event) {
                continue;
            }
            match event {
                Event::Syscall => (self.kernel.syscalls)(&mut self),
                Event::Interrupt => {}
                Event::Fault(info) => self.force_signal(info),
                Event::Exited(host_status) => {
                    if self.tg.exit_status().is_none() && !self.zapped.load(Ordering::SeqCst) {
                        if host_status == abi::wire::STUB_FATAL_EXIT << 8 {
                            log::error!("task {}: the stub failed (a fault in its own code); killing the process", self.tid);
                        } else {
                            log::error!("task {}: its host process died unexpectedly (wait status {host_status:#x})", self.tid);
                        }
                        self.tg.begin_exit(ExitStatus::killed_by(sig::SIGKILL));
                    }
                }
            }
        }
        self.finish();
    }

    /// After a re-trap (see `RETRAP_NR`): whether `event` is it, stopped
    /// at or after the `syscall` instruction it was sent back to; the
    /// registers are then put back as the call returned them, and the
    /// thread is ready to take its signals from a signal frame.
    fn took_retrap(&mut self, event: Event) -> bool {
        let Some(saved) = self.retrap.take() else { return false };
        let r = &self.ctx.regs;
        let at_site = r.rax == super::task_signals::RETRAP_NR && (r.rip == saved.rip || r.rip == saved.rip.wrapping_sub(2));
        if matches!(event, Event::Syscall | Event::Interrupt) && at_site {
            self.ctx.regs = abi::regs::Regs { csgsfs: r.csgsfs, ..saved };
            return true;
        }
        false
    }

    /// Ends this thread alone; the last thread to exit ends the process.
    pub fn exit_thread(&mut self, status: ExitStatus) {
        let last = self.tg.exit.lock().live_threads == 1;
        if last {
            self.tg.begin_exit(status);
        }
        self.thread_exit = Some(status);
    }

    /// Starts the exit of the whole process: every other thread is
    /// stopped wherever it is.
    pub fn exit_group(&mut self, status: ExitStatus) {
        self.tg.begin_exit(status);
        if self.tg.exit.lock().live_threads > 1 {
            self.kernel.tasks.kill_process(self.tg.tgid, status);
        }
    }

    /// The end of the task's thread. A thread whose process goes on ends
    /// its own host thread. The last thread of a process ends the host
    /// process too, unless another process still uses the address space
    /// (`CLONE_VM`): then only its host thread ends, and the last process
    /// to leave the address space ends the host process. While the
    /// address space is shared, a thread that dies with its whole process
    /// still releases its robust futexes and clears its tid word, as
    /// Linux's `mm_release` does for a memory that lives on.
    fn finish(mut self) {
        self.tg.cpu.remove_thread(&self.cpu);
        self.cpu.stop_running();
        let kernel = self.kernel.clone();
        let tid = self.tid;
        let tg = self.tg.clone();
        let space = self.ctx.space().clone();
        let group_exit = tg.exit_status().is_some();
        // Read after the exit status: no process can join the address
        // space once this one is exiting (see `create_process`).
        let memory_lives_on = !group_exit || self.mm.is_shared();
        self.unregister_signals();
        if memory_lives_on {
            self.release_robust_futexes();
        }
        if self.clear_child_tid != 0 && memory_lives_on {
            // What pthread_join waits for: the tid word cleared, and woken.
            let addr = self.clear_child_tid;
            if self.copy_out(addr, &0u32.to_ne_bytes()).is_ok() {
                kernel.futexes.wake(super::futex::key(&self.mm, addr, false), 1, u32::MAX);
            }
        }
        let last = {
            let mut e = tg.exit.lock();
            e.live_threads -= 1;
            e.live_threads == 0
        };
        if !last {
            if memory_lives_on {
                // This thread alone ends; its process, or the other
                // processes of its address space, go on.
                self.ctx.exit_thread();
            }
            if tid != tg.tgid {
                kernel.tasks.release_pid(tid);
            }
            kernel.tasks.task_finished(tid);
            return;
        }
        if let Some(status) = self.thread_exit.filter(|_| !group_exit) {
            // The last thread's exit ends the process with its status.
            tg.begin_exit(status);
        }
        let usage = Usage::of_cpu(tg.cpu.usage(), space.max_rss_kib().unwrap_or(0));
        tg.timers.disarm();
        tg.posix_timers.clear();
        let last_user = self.mm.users().remove();
        self.leave_address_space(last_user);
        let status = tg.exit_status().unwrap_or(ExitStatus::Exited(0));
        tg.release_vfork();
        kernel.tasks.process_exited(&tg, status, usage);
        tg.exited.notify_all();
        if last_user {
            // No host process may outlive the processes it served: the
            // task is not finished until its host process is reaped.
            space.wait_exit();
        }
        kernel.tasks.task_finished(tid);
    }

    /// The last thread of a process leaves: with `last_user`, the host
    /// process is killed; otherwise only this host thread ends. Then the
    /// task's state (descriptors first of all) is dropped, before its
    /// parent can learn of its end.
    fn leave_address_space(self, last_user: bool) {
        if last_user {
            self.ctx.space().kill();
        } else {
            self.ctx.exit_thread();
        }
    }

    /// Walks the thread's robust futex list at its death, as Linux's
    /// `exit_robust_list`: each futex it still owns gets `FUTEX_OWNER_DIED`
    /// (keeping `FUTEX_WAITERS`, with a compare-exchange in the app so that
    /// no racing thread's update is lost), and one waiter is woken so that
    /// it can recover the lock (`EOWNERDEAD`).
    fn release_robust_futexes(&mut self) {
        const LIMIT: usize = 2048;
        const WAITERS: u32 = 0x8000_0000;
        const OWNER_DIED: u32 = 0x4000_0000;
        const TID_MASK: u32 = 0x3fff_ffff;
        let (head, _) = self.robust_list;
        if head == 0 {
            return;
        }
        let Ok([first, offset, pending]) = self.read_obj::<[u64; 3]>(head) else { return };
        let offset = offset as i64;
        let mut entries = Vec::new();
        let mut entry = first & !1;
        while entry != head && entry != 0 && entries.len() < LIMIT {
            entries.push(entry);
            let Ok(next) = self.read_obj::<u64>(entry) else { break };
            entry = next & !1;
        }
        if pending != 0 {
            entries.push(pending & !1);
        }
        for e in entries {
            let addr = e.wrapping_add(offset as u64);
            let Ok(mut word) = self.read_obj::<u32>(addr) else { continue };
            // Other threads may be changing the word (setting WAITERS).
            for _ in 0..LIMIT {
                if word & TID_MASK != self.tid as u32 {
                    break;
                }
                let new = (word & WAITERS) | OWNER_DIED;
                match self.ctx.cmpxchg32(addr, word, new) {
                    Ok(seen) if seen == word => {
                        if word & WAITERS != 0 {
                            self.kernel.futexes.wake(super::futex::key(&self.mm, addr, false), 1, u32::MAX);
                        }
                        break;
                    }
                    Ok(seen) => word = seen,
                    Err(_) => break,
                }
            }
        }
    }

    /// Checks that `[addr, addr + len)` is app memory the model allows to
    /// be touched: below the top of user space and outside the stub's own
    /// ranges.
    fn check_range(&self, addr: u64, len: usize) -> Result<(), Errno> {
        if self.mm.is_user_range(addr, len as u64) {
            Ok(())
        } else {
            Err(abi::errno::EFAULT)
        }
    }

    /// The task behind a file operation's caller (every [`vfs::Context`]
    /// the kernel makes is a task), for the files that read the caller's
    /// own state.
    pub fn of_context(ctx: &mut dyn vfs::Context) -> Option<&mut Task> {
        (ctx as &mut dyn Any).downcast_mut::<Task>()
    }

    /// Copies app memory at `addr` into `buf`.
    pub fn copy_in(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        if buf.is_empty() {
            return Ok(());
        }
        self.check_range(addr, buf.len())?;
        self.ctx.read(addr, buf).map_err(|_| abi::errno::EFAULT)
    }

    /// Appends `len` bytes of app memory at `addr` to `buf` (all or none),
    /// without zeroing the room first.
    pub fn copy_in_append(&mut self, addr: u64, len: usize, buf: &mut Vec<u8>) -> Result<(), Errno> {
        if len == 0 {
            return Ok(());
        }
        self.check_range(addr, len)?;
        self.ctx.read_append(addr, len, buf).map_err(|_| abi::errno::EFAULT)
    }

    /// Copies `data` to app memory at `addr`.
    pub fn copy_out(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        if data.is_empty() {
            return Ok(());
        }
        self.check_range(addr, data.len())?;
        self.ctx.space().write(addr, data).map_err(|_| abi::errno::EFAULT)
    }

    /// Copies the buffers `parts`, one after another, to app memory from
    /// `addr` on: as one [`Task::copy_out_final`] when they fit the slot
    /// together, else straight from where they are, a batch of buffers
    /// per host call.
    pub fn copy_out_parts(&mut self, addr: u64, parts: &[&[u8]]) -> Result<(), Errno> {
        /// Buffers per host call (`UIO_MAXIOV` is 1024).
        const BATCH: usize = 64;
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.check_range(addr, len)?;
        if len <= abi::wire::SLOT_BUF_SIZE {
            return self.copy_out_final(addr, &parts.concat());
        }
        let mut at = addr;
        for batch in parts.chunks(BATCH) {
            let bufs: Vec<std::io::IoSlice<'_>> = batch.iter().map(|p| std::io::IoSlice::new(p)).collect();
            self.ctx.space().write_vectored(at, &bufs).map_err(|_| abi::errno::EFAULT)?;
            at += batch.iter().map(|p| p.len() as u64).sum::<u64>();
        }
        Ok(())
    }

    /// Copies `data` to app memory at `addr` as the final act of the
    /// current system call: it travels with the resume when it fits the
    /// slot, and a fault then makes the call return `EFAULT`.
    pub fn copy_out_final(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        self.check_range(addr, data.len())?;
        if data.is_empty() || self.ctx.write_on_resume(addr, data) {
            return Ok(());
        }
        self.copy_out(addr, data)
    }

    /// Reads a plain-data value from app memory.
    pub fn read_obj<T: Pod>(&mut self, addr: u64) -> Result<T, Errno> {
        let mut v = T::zeroed();
        self.copy_in(addr, v.as_bytes_mut())?;
        Ok(v)
    }

    /// Writes a plain-data value to app memory.
    pub fn write_obj<T: Pod>(&mut self, addr: u64, v: &T) -> Result<(), Errno> {
        self.copy_out(addr, v.as_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (NUL
    /// included) from app memory: EFAULT if unreadable, ENAMETOOLONG if no
    /// NUL comes in time.
    pub fn read_cstring(&mut self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        // Most strings are short names: the first read takes a few hundred
        // bytes through the slot, the next ones the rest of a page at a
        // time. No read crosses a page, so one that faults means that the
        // string runs into unreadable memory (and one that ends just
        // before unmapped memory is still found).
        const FIRST: usize = 256;
        let mut out = Vec::new();
        let mut at = addr;
        while out.len() < max {
            let page_left = (abi::PAGE_SIZE - at % abi::PAGE_SIZE) as usize;
            let want = page_left.min(max - out.len()).min(if out.is_empty() { FIRST } else { usize::MAX });
            let from = out.len();
            out.resize(from + want, 0);
            self.copy_in(at, &mut out[from..])?;
            if let Some(nul) = out[from..].iter().position(|&b| b == 0) {
                out.truncate(from + nul);
                return Ok(out);
            }
            at = at.checked_add(want as u64).ok_or(abi::errno::EFAULT)?;
        }
        Err(abi::errno::ENAMETOOLONG)
    }
}

/// The VFS reaches the calling task through this.
impl vfs::Context for Task {
    fn credentials(&self) -> crate::auth::Credentials {
        self.tg.creds.lock().clone()
    }

    fn waiter(&self) -> &Arc<Waiter> {
        &self.waiter
    }

    fn is_killed(&self) -> bool {
        self.tg.exit_status().is_some()
    }

    fn file_size_limit(&self) -> u64 {
        self.tg.limits.lock().get(abi::process::rlimit::FSIZE).map_or(u64::MAX, |l| l.cur)
    }

    fn copy_out(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        self.copy_out_final(addr, data)
    }

    fn note_write_error(&mut self, err: Errno) {
        Task::note_write_error(self, err);
    }

    fn realtime_ns(&self) -> i64 {
        self.kernel.timekeeper.realtime_ns()
    }

    fn boot_time_ns(&self) -> i64 {
        self.kernel.boot_time_ns()
    }

    fn unique_id(&self) -> u64 {
        self.kernel.unique_id()
    }
}
