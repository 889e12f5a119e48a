//! A thread group: what Linux calls a process.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32};
use std::sync::Arc;

use abi::signal::{SigAction, NSIG};
use parking_lot::{Condvar, Mutex};

use super::creds::Credentials;
use super::exit::ExitStatus;
use super::limits::Limits;
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
    /// The parent's process id (0 for init).
    pub ppid: i32,
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
    /// The descriptor table the first thread starts with.
    pub initial_fds: Arc<FdTable>,
    /// `PR_SET_CHILD_SUBREAPER`: orphaned descendants are reparented here.
    pub child_subreaper: AtomicBool,
    /// `PR_SET_DUMPABLE` (0 or 1).
    pub dumpable: AtomicU32,
    /// Resources used by reaped children and their descendants
    /// (`RUSAGE_CHILDREN`).
    pub children_usage: Mutex<Usage>,
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
        Arc::new(ThreadGroup {
            tgid,
            ppid: 0,
            exit: Mutex::new(GroupExit::default()),
            exited: Condvar::new(),
            signals: Mutex::new(SignalState { actions: [SigAction::default(); NSIG as usize] }),
            limits: Mutex::new(Limits::of_host()),
            creds: Mutex::new(Credentials::of_host_user()),
            exe: Mutex::new(std::fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf())),
            initial_fds: Arc::new(fds),
            child_subreaper: AtomicBool::new(false),
            dumpable: AtomicU32::new(1),
            children_usage: Mutex::new(Usage::default()),
        })
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
