//! The kernel: the root of the model, and its external controls.
//!
//! Lock order (outermost first; a thread holding one lock may take only
//! locks listed below it):
//!
//! 1. `Kernel::ext` — serialises external controls (start, kill, pause).
//! 2. `TaskSet::pauses` — the pause count (held alone while a task waits
//!    at its stop point; never held while taking any other lock).
//! 3. `TaskSet::inner` — the PID table, the live tasks and the process
//!    tree; under it, a process's `signals`, `creds` and `child_events`
//!    may be taken (never the reverse: signals to other processes, such as
//!    SIGCHLD, are sent after it is released).
//! 4. `ThreadGroup::exit` — a process's exit state (released before a
//!    process's `signals` is taken to wake its threads).
//! 5. `ThreadGroup::signals` (with its `stop_ended` condition, on which
//!    stopped threads wait), `ThreadGroup::limits`, `ThreadGroup::creds`,
//!    `ThreadGroup::exe` — per-process state, never two of them at once.
//!    Under `signals`, a thread is interrupted: its waiter's eventfd is
//!    written and the platform's kick (a leaf) sent.
//! 6. `MemoryManager::state` — a process's memory map (held across host
//!    operations on the calling thread's own slot, never across a wait for
//!    another thread). Processes made with `CLONE_VM` share one; the
//!    count of them (`MemoryManager::users`) is atomic and takes no lock.
//! 7. `FdTable::inner` — a process's descriptors (never held across file I/O).
//! 8. `FutexManager::queues` — held while the futex word is read (through
//!    the calling task's own slot) and while waking; takes no other lock.
//! 9. An epoll's `ctl`, then its `scan` (an epoll's scan may take the
//!    scans of the epolls it watches, never the reverse: loops are
//!    refused), then its `state` (see `vfs::epoll`).
//! 10. A Unix socket's bind lock (`socket::unix`: held across making its
//!     socket file, so before every VFS lock below; never under a socket's
//!     state).
//! 11. The VFS rename lock (`vfs::ops`), then at most one dentry's state
//!     at a time (a cache miss calls the inode's lookup under it), then
//!     an overlay's copy-up lock and a node's upper layer
//!     (`fsimpl::overlay`), then a tmpfs directory's entries (two, in
//!     address order, for a rename), then tmpfs inode metadata and file
//!     data (`fsimpl::tmpfs`); a process's `FsContext` is a leaf taken on
//!     its own. A procfs (`fsimpl::proc`) lookup under a dentry's state reads
//!     `TaskSet::inner`, a process's `creds` and any process's
//!     `FdTable::inner`, one at a time and out of the order above: no
//!     holder of those ever takes a VFS lock. (Reading a procfs file takes
//!     them, a process's `signals` and `limits` and its `MemoryManager::state`,
//!     each alone, with no VFS lock held.)
//! 12. The inotify watch table (`vfs::inotify`), then one instance's
//!     queue. Events are reported with no lock above held but the VFS
//!     rename lock (for a rename) or a process's `FsContext` (a dentry's
//!     last release, which may report `IN_DELETE_SELF`, can come when a
//!     working directory changes); neither is ever taken under them. An
//!     instance's `WaitQueue` is notified after both are released.
//! 13. A Unix socket namespace's collection lock (`socket::unix::gc`);
//!     a Unix socket's read lock (`socket::unix`, held by a reader but
//!     while it sleeps); then a Unix socket's state: one socket's alone,
//!     or two, a listener's before the connecting socket's (and the new
//!     connection's, which no one else holds yet), two datagram sockets'
//!     in address order. Only a `WaitQueue`'s entries are taken under it;
//!     a socket notifies its queues, and drops messages (which may
//!     release other sockets), with no socket's state held.
//! 14. `Kernel::unimplemented`, `UtsNamespace::inner`, a task's `comm`,
//!     the vDSO's clock page (`kernel::vdso`, written under it),
//!     the list of dentries kept while unused (`vfs::dentry`, which drops
//!     what it lets go after releasing it),
//!     `WaitQueue` entries (`waiter`; a process's `signal_events` among
//!     them), a pipe's buffer (`kernel::pipe`; two pipes' buffers, in
//!     address order, for a splice or tee between them), a host
//!     filesystem's inode-number map and named-pipe table (`fsimpl::host`),
//!     the network state's tables (`kernel::net`) and a Unix socket
//!     namespace's (`socket::unix::ns`), a socket's recorded file,
//!     an eventfd's counter, a signalfd's mask, the file lock table
//!     (`vfs::lock`, which notifies its queue after unlocking), a netlink
//!     socket's state (`socket::netlink`; under it, the table of the
//!     sandbox's netlink port ids, and host socket calls that never wait),
//!     the IP socket table of `/proc/net` (`socket::proc_net`),
//!     `Kernel::ended_by` — leaves.
//!     A `WaitQueue` runs its callbacks (epoll's, which take an epoll's
//!     `state`) after releasing its lock.
//!
//! Time (see `ktime` and `cpu_clock`): a kernel timer's state comes before
//! every numbered lock above that its listener takes, and before the timer
//! service's queue; a timer's listener runs
//! with its timer's state held and may take the CPU clock's idle lock, a
//! timerfd's counter, and notify a `WaitQueue` (so an epoll's `state`):
//! nothing holding an epoll lock touches a timer. A process's thread list
//! (`ProcessClock`), then a task's CPU account; neither is held while a
//! task's running state changes (which may take the idle lock and the
//! ticker's state). The ticker's per-tick check (`itimer`) runs with the
//! ticker's state held and takes `TaskSet::inner` (released before it
//! goes on), a process's thread list, its `limits` and its `signals`
//! (sending): so does `ITIMER_REAL`'s listener; a process's interval
//! timers lock (`IntervalTimers`) comes before its timer's state.
//!
//! A task's own fields (`Task`) belong to its sentry thread and need no
//! lock, but those it shares with its `TaskHandle` (its `comm`, affinity
//! and no-new-privs flag), which `/proc` reads from other threads.

pub mod cpu_clock;
pub mod exit;
pub mod futex;
pub mod itimer;
pub mod ktime;
pub mod limits;
pub mod net;
pub mod pipe;
pub mod posix_timer;
pub mod signal;
pub mod signal_frame;
pub mod task;
pub mod task_set;
pub mod task_signals;
pub mod thread_group;
pub mod time;
pub mod uts;
pub mod vdso;
pub mod workers;

use std::collections::HashSet;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use abi::Errno;
use parking_lot::Mutex;

pub use exit::ExitStatus;
use task::Task;
use task_set::TaskSet;
use thread_group::ThreadGroup;
use cpu_clock::CpuClock;
use ktime::{Clock, TimerService};
use time::Timekeeper;
use uts::UtsNamespace;

use crate::loader::{self, LoadError};
use crate::vfs::{Location, MountNamespace, OpenFile};

/// The first number [`Kernel::unique_id`] gives (the inode numbers of
/// pipes): those below are the standard streams' the sandbox is given
/// (`fsimpl::host::fd::HostFile::open_stdio`), so that no two pipes read
/// as the same `pipe:[N]`.
pub const FIRST_UNIQUE_ID: u64 = 4;

/// Settings fixed when the kernel is made.
#[derive(Debug, Clone)]
pub struct KernelConfig {
    /// Number of CPUs the sandbox reports.
    pub application_cores: u32,
    /// The sandbox's host name.
    pub hostname: String,
    /// Whether hot `syscall` sites are patched to enter the sentry without
    /// a signal (see `mm::patching`).
    pub patch_syscalls: bool,
    /// The most tasks (threads, and processes until reaped) the sandbox
    /// may hold at once: past it `fork` and `clone` fail with `EAGAIN`.
    pub max_tasks: Option<usize>,
    /// The CPU time all the sandbox's tasks may use together: when it is
    /// spent, every task is killed ([`Limit::CpuTime`]).
    pub cpu_time: Option<std::time::Duration>,
    /// The most memory, in bytes, all the sandbox's address spaces may
    /// commit together (see [`crate::mm::MemoryBudget`]): past it
    /// allocations fail with `ENOMEM`.
    pub memory: Option<u64>,
}

/// A limit whose end ended the whole sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// [`KernelConfig::cpu_time`] was spent.
    CpuTime,
    /// The caller's wall-time budget ran out ([`Kernel::end_for`]).
    WallTime,
}

impl Default for KernelConfig {
    fn default() -> KernelConfig {
        KernelConfig {
            application_cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            hostname: "sandbox".into(),
            patch_syscalls: true,
            max_tasks: None,
            cpu_time: None,
            memory: None,
        }
    }
}

/// Serves the system call a task stopped at (its registers hold it): the
/// syscall table, which lives above the kernel and is given to it, as
/// gVisor registers its table with its kernel.
pub type SyscallTable = fn(&mut Task);

/// The file tree a kernel serves, built before it (see `crate::boot`).
pub struct FileTree {
    /// The mount namespace every process sees.
    pub mounts: MountNamespace,
    /// The root of the internal tmpfs `memfd_create` files live on.
    pub memfd_root: Location,
    /// Where the first process starts.
    pub start_dir: Location,
}

/// What the first process is started with.
pub struct CreateProcessArgs {
    /// Host path of the executable.
    pub path: PathBuf,
    /// Its argument vector, `argv[0]` included.
    pub argv: Vec<OsString>,
    /// Its environment, as `NAME=value` strings.
    pub envv: Vec<OsString>,
    /// Descriptors 0, 1 and 2.
    pub stdio: [Arc<OpenFile>; 3],
}

/// The emulated kernel.
pub struct Kernel {
    /// Serialises external controls.
    ext: Mutex<()>,
    /// All tasks and the root PID namespace.
    pub tasks: TaskSet,
    /// The limit that ended the sandbox, if one did (see
    /// [`Kernel::end_for`]).
    ended_by: Mutex<Option<Limit>>,
    /// The budget every address space's committed memory counts
    /// against, if the sandbox has one.
    pub memory: Option<Arc<crate::mm::MemoryBudget>>,
    /// The resource limits the first process starts with: the host's, as
    /// they were before the sentry raised its own descriptor limit.
    pub host_limits: limits::Limits,
    /// Realtime and monotonic clocks.
    pub timekeeper: Arc<Timekeeper>,
    /// The thread serving every kernel timer.
    pub timers: TimerService,
    /// Realtime, as timers see it.
    pub realtime: Arc<dyn Clock>,
    /// Monotonic time, as timers see it.
    pub monotonic: Arc<dyn Clock>,
    /// Boottime, as timers see it.
    pub boottime: Arc<dyn Clock>,
    /// International atomic time, as timers see it.
    pub tai: Arc<dyn Clock>,
    /// The CPU clock and its ticker.
    pub cpu: Arc<CpuClock>,
    /// Tasks waiting on futexes.
    pub futexes: futex::FutexManager,
    /// The root UTS namespace.
    pub uts: UtsNamespace,
    /// The socket families' state and `/proc/net` files (the network
    /// namespace: Unix sockets' abstract names live there).
    pub net: net::Net,
    /// The mount namespace every process sees (its inotify watch table,
    /// `mounts.notify()`, also makes the move cookies, as the seed's
    /// `GenerateInotifyCookie`).
    pub mounts: MountNamespace,
    /// The root of the internal tmpfs `memfd_create` files live on.
    pub memfd_root: Location,
    /// Where the first process starts: the directory the sandbox was
    /// started in, as far as it exists in the sandbox's tree.
    pub start_dir: Location,
    /// Number of CPUs the sandbox reports.
    pub application_cores: u32,
    /// The vDSO every process gets (none if its memory file could not be
    /// made).
    pub vdso: Option<vdso::Vdso>,
    /// Whether hot syscall sites are patched.
    pub patch_syscalls: bool,
    /// Serves the tasks' system calls.
    pub syscalls: SyscallTable,
    /// Source of [`Kernel::unique_id`].
    unique_id: AtomicU64,
    /// System calls already reported as unimplemented (each is logged once).
    unimplemented: Mutex<HashSet<u64>>,
}

impl Kernel {
    /// Makes a kernel with no tasks, serving `files` and, with `syscalls`,
    /// its tasks' system calls.
    pub fn new(config: KernelConfig, files: FileTree, syscalls: SyscallTable) -> Arc<Kernel> {
        let host_limits = limits::Limits::of_host();
        raise_descriptor_limit();
        let timekeeper = Arc::new(Timekeeper::new());
        // Without its timer thread the kernel cannot keep time at all.
        let timers = TimerService::new().expect("cannot start the kernel's timer thread");
        let monotonic = timekeeper.clock(abi::time::clock::MONOTONIC);
        let cpu = Arc::new(CpuClock::new(&timers, monotonic.clone()));
        let application_cores = config.application_cores.max(1);
        let vdso = vdso::Vdso::new(&timekeeper, application_cores).inspect_err(|e| log::warn!("no vDSO for the sandbox: {e}")).ok();
        let tasks = TaskSet::new();
        if let Some(max) = config.max_tasks {
            tasks.set_max_tasks(max);
        }
        let cpu_budget = config.cpu_time.map(|d| d.as_nanos().div_ceil(cpu_clock::CLOCK_TICK_NS as u128) as u64);
        let kernel = Arc::new(Kernel {
            mounts: files.mounts,
            memfd_root: files.memfd_root,
            start_dir: files.start_dir,
            ext: Mutex::new(()),
            tasks,
            ended_by: Mutex::new(None),
            memory: config.memory.map(crate::mm::MemoryBudget::new),
            host_limits,
            realtime: timekeeper.clock(abi::time::clock::REALTIME),
            boottime: timekeeper.clock(abi::time::clock::BOOTTIME),
            tai: timekeeper.clock(abi::time::clock::TAI),
            monotonic,
            timekeeper,
            timers,
            cpu,
            futexes: futex::FutexManager::new(),
            uts: UtsNamespace::new(&config.hostname),
            net: net::Net::default(),
            application_cores,
            vdso,
            patch_syscalls: config.patch_syscalls,
            syscalls,
            unique_id: AtomicU64::new(FIRST_UNIQUE_ID),
            unimplemented: Mutex::new(HashSet::new()),
        });
        let weak = Arc::downgrade(&kernel);
        kernel.cpu.set_tick_hook(Box::new(move || {
            if let Some(k) = weak.upgrade() {
                itimer::check_cpu_timers(&k);
                if cpu_budget.is_some_and(|b| k.cpu.consumed() >= b) && k.claim_end(Limit::CpuTime) {
                    // Not on the timer thread, whose ticker state is
                    // locked here: killing tasks may restart the ticker.
                    std::thread::spawn(move || k.kill(ExitStatus::killed_by(abi::signal::sig::SIGKILL)));
                }
            }
        }));
        kernel
    }

    /// When the sandbox booted, in realtime nanoseconds since the epoch
    /// (realtime now minus monotonic time now): the times of the
    /// anonymous inode.
    pub fn boot_time_ns(&self) -> i64 {
        self.timekeeper.realtime_ns() - self.timekeeper.monotonic_ns()
    }

    /// A number never returned before by this kernel.
    pub fn unique_id(&self) -> u64 {
        self.unique_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Creates the init process (PID 1) from an executable, ready to run
    /// once [`Kernel::start`] is called. A path without a slash is looked
    /// up as `execvp` does, in the sandbox's tree along the `PATH` of the
    /// process's environment.
    pub fn create_process(self: &Arc<Kernel>, args: CreateProcessArgs) -> Result<Arc<ThreadGroup>, LoadError> {
        let _ext = self.ext.lock();
        let creds = crate::auth::Credentials::of_host_user();
        let root = self.mounts.root();
        let find = |p: &[u8]| loader::find_executable(&self.mounts, &creds, &root, &self.start_dir, p, true);
        let path = args.path.as_os_str().as_bytes();
        let io = |p: &[u8], e: Errno| LoadError::Io(PathBuf::from(OsString::from_vec(p.to_vec())), std::io::Error::from_raw_os_error(e.0));
        let (name, program) = if path.contains(&b'/') {
            let exe = find(path).map_err(|e| io(path, e))?;
            (path.to_vec(), loader::open_program(exe, args.argv.clone(), find)?)
        } else {
            let search = args.envv.iter().find_map(|e| e.as_bytes().strip_prefix(b"PATH=")).unwrap_or(loader::DEFAULT_PATH);
            let (found, exe) = loader::search_path(path, search, find).map_err(|e| io(path, e))?;
            let program = loader::open_program_searched(exe, &found, args.argv.clone(), find)?;
            (found, program)
        };
        let tg = ThreadGroup::new_init(self, &program.exe.path, &args.stdio).map_err(|_| LoadError::TaskLimit)?;
        let mut task = Task::new_process(self.clone(), tg.clone())?;
        let prepared = loader::prepare(&task, &program, &name, &args.envv)?;
        loader::exec(&mut task, &program, prepared, &name, false)?;
        self.tasks.add_unstarted(task);
        Ok(tg)
    }

    /// Starts every task created so far.
    pub fn start(&self) {
        let _ext = self.ext.lock();
        self.cpu.start();
        self.tasks.start_all();
    }

    /// Stops time as a whole (for save/restore): the monotonic clocks
    /// stand still and no timer fires until [`Kernel::resume_time`].
    /// Every task must be stopped ([`Kernel::pause`]).
    pub fn pause_time(&self) {
        let _ext = self.ext.lock();
        self.timers.pause();
        if let Some(v) = &self.vdso {
            v.freeze();
        }
        self.timekeeper.pause();
    }

    /// Lets time go on after [`Kernel::pause_time`]: monotonic time goes
    /// on from where it stood, and timers that fell due on the clocks
    /// that kept going (realtime, boottime) fire.
    pub fn resume_time(&self) {
        let _ext = self.ext.lock();
        self.timekeeper.resume();
        if let Some(v) = &self.vdso {
            v.publish(&self.timekeeper);
        }
        self.timers.resume();
    }

    /// Blocks until every task has exited and every host process is gone.
    pub fn wait_exited(&self) {
        self.tasks.wait_all_exited();
    }

    /// Makes every task exit as if its process were killed with `status`.
    /// Does not wait.
    pub fn kill(&self, status: ExitStatus) {
        let _ext = self.ext.lock();
        self.tasks.kill_all(status);
    }

    /// Ends the whole sandbox because `limit` ran out: every task is
    /// killed (SIGKILL), and [`Kernel::ended_by`] reports the limit. Only
    /// the first limit to run out counts.
    pub fn end_for(&self, limit: Limit) {
        if self.claim_end(limit) {
            self.kill(ExitStatus::killed_by(abi::signal::sig::SIGKILL));
        }
    }

    /// Records `limit` as what ends the sandbox, unless another limit got
    /// there first (then `false`).
    fn claim_end(&self, limit: Limit) -> bool {
        let mut ended = self.ended_by.lock();
        if ended.is_some() {
            return false;
        }
        *ended = Some(limit);
        true
    }

    /// The limit that ended the sandbox, if one did.
    pub fn ended_by(&self) -> Option<Limit> {
        *self.ended_by.lock()
    }

    /// Stops every task at a known point (see `TaskSet::pause`); returns
    /// once they all are. Pauses nest.
    pub fn pause(&self) {
        let _ext = self.ext.lock();
        self.tasks.pause();
    }

    /// Lifts one [`Kernel::pause`].
    pub fn unpause(&self) {
        let _ext = self.ext.lock();
        self.tasks.unpause();
    }

    /// Sends `signo` from outside the sandbox to init, or with `group` to
    /// every process in init's process group, as Linux sends a signal from
    /// a parent PID namespace (`si_pid` 0). `ESRCH` once init is gone.
    pub fn send_external_signal(&self, signo: i32, group: bool) -> Result<(), abi::Errno> {
        let _ext = self.ext.lock();
        let init = task_set::INIT_PID;
        let pids = if group { self.tasks.group_members(self.tasks.group_and_session(init)?.0) } else { vec![init] };
        let info = abi::signal::SigInfo::from_process(signo, abi::signal::code::SI_USER, 0, 0);
        let mut sent = Err(abi::errno::ESRCH);
        for tg in pids.into_iter().filter_map(|pid| self.tasks.thread_group(pid)) {
            sent = tg.send_signal(&self.tasks, info, None);
        }
        sent
    }

    /// Records a call to system call `nr`, which the sandbox does not
    /// implement; each number is logged once.
    pub fn emit_unimplemented(&self, nr: u64, pid: i32) {
        if self.unimplemented.lock().insert(nr) {
            let name = u32::try_from(nr).ok().and_then(abi::sysno::name).unwrap_or("unknown");
            log::warn!("unimplemented system call {name} ({nr}) made by pid {pid}; returning ENOSYS");
        }
    }
}

/// The value of `key` in the sentry's own auxiliary vector (0 if absent),
/// read once from `/proc/self/auxv`: what the host tells every process
/// (hardware capabilities, where its vDSO is).
pub fn host_auxv(key: u64) -> u64 {
    static AUXV: std::sync::OnceLock<Vec<(u64, u64)>> = std::sync::OnceLock::new();
    let auxv = AUXV.get_or_init(|| {
        let raw = std::fs::read("/proc/self/auxv").unwrap_or_default();
        let word = |b: &[u8]| u64::from_ne_bytes(b.try_into().unwrap_or_default());
        raw.chunks_exact(16).map(|e| (word(&e[..8]), word(&e[8..]))).take_while(|&(k, _)| k != 0).collect()
    });
    auxv.iter().find(|&&(k, _)| k == key).map_or(0, |&(_, v)| v)
}

/// Raises the sentry's own soft `RLIMIT_NOFILE` to its hard limit: the
/// sentry holds a host descriptor for every host file the sandbox has
/// open, and for the host files of the names it keeps looked up, so the
/// common soft limit of 1,024 is too few. (The app's limit is the
/// sandbox's own, in [`limits`].)
fn raise_descriptor_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource::RLIMIT_NOFILE};
    if let Ok((soft, hard)) = getrlimit(RLIMIT_NOFILE) {
        if soft < hard {
            // A failure leaves the old limit.
            let _ = setrlimit(RLIMIT_NOFILE, hard, hard);
        }
    }
}
