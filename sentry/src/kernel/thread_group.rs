//! A thread group: what Linux calls a process.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use abi::signal::{SigAction, NSIG};
use parking_lot::{Condvar, Mutex};

use super::cpu_clock::ProcessClock;
use super::creds::Credentials;
use super::exit::ExitStatus;
use super::limits::Limits;
use super::wait_queue::WaitQueue;
use super::Kernel;
use crate::vfs::{FdTable, OpenFile};

/// Signal state shared by the threads of a process.
pub struct SignalState {
    /// The action of each signal, indexed by `signo - 1`.
    pub actions: [SigAction; NSIG as usize],
}

/// The exit state of a process.
#[derive(Default)]
pub struct GroupExit {
    /// Set once the process has begun to exit: every thread must stop.
    pub status: Option<ExitStatus>,
    /// Threads that have not finished exiting.
    pub live_threads: usize,
}

/// A process: the threads that share a PID, signal actions and limits.
pub struct ThreadGroup {
    /// The process id (the leader's thread id).
    pub tgid: i32,
    /// The signal the parent gets when this process ends (`SIGCHLD`, or
    /// what `clone` asked for; 0 for none).
    pub exit_signal: i32,
    /// Set once the process has called `execve` (for `setpgid`).
    pub execed: AtomicBool,
    /// Notified when a child of this process exits.
    pub child_events: WaitQueue,
    /// For a `vfork` child: set, and `vfork_events` notified, once the
    /// child has exec'd or exited and its parent may go on.
    pub vfork_released: AtomicBool,
    /// See `vfork_released`.
    pub vfork_events: WaitQueue,
    /// Exit state; see [`GroupExit`].
    pub exit: Mutex<GroupExit>,
    /// Signalled when the last thread has finished exiting.
    pub exited: Condvar,
    /// Signal dispositions.
    pub signals: Mutex<SignalState>,
    /// Resource limits.
    pub limits: Mutex<Limits>,
    /// Who the process acts as (changed for all its threads at once, as
    /// libcs make Linux's per-thread set*id calls behave).
    pub creds: Mutex<Credentials>,
    /// The executable (`/proc/self/exe`).
    pub exe: Mutex<PathBuf>,
    /// The descriptor table the first thread starts with; taken by it, so
    /// that a dead process holds no descriptors open.
    pub initial_fds: Mutex<Option<Arc<FdTable>>>,
    /// `PR_SET_CHILD_SUBREAPER`: orphaned descendants are reparented here.
    pub child_subreaper: AtomicBool,
    /// `PR_SET_DUMPABLE` (0 or 1).
    pub dumpable: AtomicU32,
    /// Resources used by reaped children and their descendants
    /// (`RUSAGE_CHILDREN`).
    pub children_usage: Mutex<Usage>,
    /// CPU time of the process's threads, live and exited.
    pub cpu: ProcessClock,
}

/// Resource usage as `getrusage` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Time spent running app code.
    pub user: std::time::Duration,
    /// Time spent in the kernel on the app's behalf.
    pub system: std::time::Duration,
    /// Largest resident set size, in KiB.
    pub max_rss_kib: u64,
}

impl ThreadGroup {
    /// The init process (PID 1), before its first thread exists.
    pub fn new_init(kernel: &Kernel, exe: &Path, stdio: &[Arc<OpenFile>; 3]) -> Arc<ThreadGroup> {
        let tgid = kernel.tasks.allocate_pid();
        let fds = FdTable::new();
        for (fd, file) in stdio.iter().enumerate() {
            fds.install_at(fd as i32, file.clone(), false);
        }
        let tg = Arc::new(ThreadGroup {
            tgid,
            exit_signal: abi::signal::sig::SIGCHLD,
            execed: AtomicBool::new(false),
            child_events: WaitQueue::new(),
            vfork_released: AtomicBool::new(true),
            vfork_events: WaitQueue::new(),
            exit: Mutex::new(GroupExit::default()),
            exited: Condvar::new(),
            signals: Mutex::new(SignalState { actions: [SigAction::default(); NSIG as usize] }),
            limits: Mutex::new(Limits::of_host()),
            creds: Mutex::new(Credentials::of_host_user()),
            exe: Mutex::new(std::fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf())),
            initial_fds: Mutex::new(Some(Arc::new(fds))),
            child_subreaper: AtomicBool::new(false),
            dumpable: AtomicU32::new(1),
            children_usage: Mutex::new(Usage::default()),
            cpu: ProcessClock::default(),
        });
        kernel.tasks.add_process(tg.clone(), 0, tgid, tgid);
        tg
    }

    /// A child process of `parent` as `fork` makes it: a copy of its
    /// dispositions, limits, credentials and executable, with `fds` as its
    /// descriptors. It is not in the process tree yet.
    pub fn forked(parent: &ThreadGroup, pid: i32, exit_signal: i32, fds: FdTable, vfork: bool) -> Arc<ThreadGroup> {
        Arc::new(ThreadGroup {
            tgid: pid,
            exit_signal,
            execed: AtomicBool::new(false),
            child_events: WaitQueue::new(),
            vfork_released: AtomicBool::new(!vfork),
            vfork_events: WaitQueue::new(),
            exit: Mutex::new(GroupExit::default()),
            exited: Condvar::new(),
            signals: Mutex::new(SignalState { actions: parent.signals.lock().actions }),
            limits: Mutex::new(parent.limits.lock().clone()),
            creds: Mutex::new(parent.creds.lock().clone()),
            exe: Mutex::new(parent.exe.lock().clone()),
            initial_fds: Mutex::new(Some(Arc::new(fds))),
            child_subreaper: AtomicBool::new(false),
            dumpable: AtomicU32::new(parent.dumpable.load(Ordering::Relaxed)),
            children_usage: Mutex::new(Usage::default()),
            cpu: ProcessClock::default(),
        })
    }

    /// Lets a `vfork` parent go on (the child exec'd or exited).
    pub fn release_vfork(&self) {
        if !self.vfork_released.swap(true, Ordering::SeqCst) {
            self.vfork_events.notify(super::wait_queue::events::ALL);
        }
    }

    /// Starts the exit of the whole process with `status`, unless it is
    /// already exiting; returns whether this call started it.
    pub fn begin_exit(&self, status: ExitStatus) -> bool {
        let mut e = self.exit.lock();
        if e.status.is_some() {
            return false;
        }
        e.status = Some(status);
        true
    }

    /// The status the process is exiting with, if it is.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.exit.lock().status
    }

    /// Blocks until every thread of the process has finished exiting.
    pub fn wait_exited(&self) -> Option<ExitStatus> {
        let mut e = self.exit.lock();
        while e.live_threads > 0 {
            self.exited.wait(&mut e);
        }
        e.status
    }
}
