//! A thread group: what Linux calls a process.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use abi::signal::{code, sig, SigInfo};
use abi::Errno;
use parking_lot::{Condvar, Mutex};

use super::cpu_clock::ProcessClock;
use super::itimer::IntervalTimers;
use super::posix_timer::PosixTimers;
use crate::auth::Credentials;
use super::exit::ExitStatus;
use super::limits::Limits;
use super::signal::{Sent, SignalState, Target};
use super::task_set::TaskSet;
use crate::waiter::WaitQueue;
use super::Kernel;
use crate::vfs::{FdTable, OpenFile};

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
    /// Signal actions, pending signals, masks and the group stop.
    pub signals: Mutex<SignalState>,
    /// Notified (`IN`) whenever a signal is queued for the process or one
    /// of its threads: what signalfd readers and pollers wait on.
    pub signal_events: WaitQueue,
    /// Notified (with `signals`) when a group stop ends or the process
    /// begins to exit: stopped threads wait on it.
    pub stop_ended: Condvar,
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
    /// The execution domain (`personality`): `ADDR_NO_RANDOMIZE` turns
    /// off the loader's address-space randomisation. Inherited by fork
    /// and kept across exec.
    pub personality: AtomicU32,
    /// Resources used by reaped children and their descendants
    /// (`RUSAGE_CHILDREN`).
    pub children_usage: Mutex<Usage>,
    /// CPU time of the process's threads, live and exited.
    pub cpu: ProcessClock,
    /// Interval timers (`setitimer`, `alarm`); not inherited by a fork.
    pub timers: IntervalTimers,
    /// POSIX timers (`timer_create`); not inherited, deleted by exec.
    pub posix_timers: PosixTimers,
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
    /// The init process (PID 1), before its first thread exists; `exe`
    /// is its executable's path in the sandbox's tree. `EAGAIN` past the
    /// sandbox's task limit.
    pub fn new_init(kernel: &Kernel, exe: &Path, stdio: &[Arc<OpenFile>; 3]) -> Result<Arc<ThreadGroup>, Errno> {
        let tgid = kernel.tasks.allocate_pid()?;
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
            signals: Mutex::new(SignalState::new()),
            signal_events: WaitQueue::new(),
            stop_ended: Condvar::new(),
            limits: Mutex::new(kernel.host_limits.clone()),
            creds: Mutex::new(Credentials::of_host_user()),
            exe: Mutex::new(exe.to_path_buf()),
            initial_fds: Mutex::new(Some(Arc::new(fds))),
            child_subreaper: AtomicBool::new(false),
            dumpable: AtomicU32::new(1),
            personality: AtomicU32::new(0),
            children_usage: Mutex::new(Usage::default()),
            cpu: ProcessClock::default(),
            timers: IntervalTimers::default(),
            posix_timers: PosixTimers::default(),
        });
        kernel.tasks.add_process(tg.clone(), 0, tgid, tgid);
        Ok(tg)
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
            signals: Mutex::new(SignalState::with_actions(parent.signals.lock().actions)),
            signal_events: WaitQueue::new(),
            stop_ended: Condvar::new(),
            limits: Mutex::new(parent.limits.lock().clone()),
            creds: Mutex::new(parent.creds.lock().clone()),
            exe: Mutex::new(parent.exe.lock().clone()),
            initial_fds: Mutex::new(Some(Arc::new(fds))),
            child_subreaper: AtomicBool::new(false),
            dumpable: AtomicU32::new(parent.dumpable.load(Ordering::Relaxed)),
            personality: AtomicU32::new(parent.personality.load(Ordering::Relaxed)),
            children_usage: Mutex::new(Usage::default()),
            cpu: ProcessClock::default(),
            timers: IntervalTimers::default(),
            posix_timers: PosixTimers::default(),
        })
    }

    /// Lets a `vfork` parent go on (the child exec'd or exited).
    pub fn release_vfork(&self) {
        if !self.vfork_released.swap(true, Ordering::SeqCst) {
            self.vfork_events.notify(crate::waiter::events::ALL);
        }
    }

    /// Starts the exit of the whole process with `status`, unless it is
    /// already exiting; returns whether this call started it. Threads in
    /// a group stop are released to exit.
    pub fn begin_exit(&self, status: ExitStatus) -> bool {
        {
            let mut e = self.exit.lock();
            if e.status.is_some() {
                return false;
            }
            e.status = Some(status);
        }
        let mut s = self.signals.lock();
        s.exiting = true;
        s.interrupt_all();
        self.stop_ended.notify_all();
        true
    }

    /// How the process ends when `signo` kills it: the status says a core
    /// was dumped when `RLIMIT_CORE` allows one (none is written).
    pub fn killed_status(&self, signo: i32) -> ExitStatus {
        let status = ExitStatus::killed_by(signo);
        let core_limit = self.limits.lock().get(abi::process::rlimit::CORE).map_or(0, |l| l.cur);
        if core_limit == 0 {
            status.without_core()
        } else {
            status
        }
    }

    /// Sends `info` to the process (`kill`), or to its thread `tid`
    /// (`tgkill`; `ESRCH` if there is none), as [`ThreadGroup::queue_signal`];
    /// a `SIGCONT` that resumes a stopped process tells its parent.
    pub fn send_signal(&self, tasks: &TaskSet, info: SigInfo, thread: Option<i32>) -> Result<(), Errno> {
        if self.queue_signal(info, thread)?.continued {
            tasks.notify_parent(self, code::CLD_CONTINUED, sig::SIGCONT);
        }
        Ok(())
    }

    /// Linux's `send_signal` and `complete_signal`: queues `info` for the
    /// process or its thread `thread` and interrupts a thread that can
    /// take it. A signal that kills (no handler, a fatal default action,
    /// not blocked everywhere) ends the whole process at once. Returns
    /// what happened, for the parent to be told of a resumed process.
    pub fn queue_signal(&self, info: SigInfo, thread: Option<i32>) -> Result<Sent, Errno> {
        let limit = self.limits.lock().get(abi::process::rlimit::SIGPENDING).map_or(0, |l| l.cur);
        let target = thread.map_or(Target::Process, Target::Thread);
        let signo = info.signo;
        let (sent, fatal) = {
            let mut s = self.signals.lock();
            if let Some(tid) = thread {
                if !s.threads.contains_key(&tid) {
                    return Err(abi::errno::ESRCH);
                }
            }
            let sent = s.send(info, target, limit)?;
            let unblocked = |t: &super::signal::ThreadSignals| !t.mask.has(signo) && !t.awaited.has(signo);
            let unblocked_somewhere = match thread {
                Some(tid) => s.threads.get(&tid).is_some_and(unblocked),
                None => s.threads.values().any(unblocked),
            };
            if sent.continued {
                self.stop_ended.notify_all();
            }
            // A stopped process takes no signal but SIGKILL until it is continued.
            let takes = signo == sig::SIGKILL || (unblocked_somewhere && s.stop.signo.is_none());
            (sent, sent.queued && s.is_fatal(signo) && takes)
        };
        if fatal {
            self.begin_exit(self.killed_status(signo));
        }
        self.signal_events.notify(crate::waiter::events::IN);
        Ok(sent)
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

/// A process's record locks count until it begins to exit.
impl crate::vfs::lock::LockHolder for ThreadGroup {
    fn is_exiting(&self) -> bool {
        self.exit_status().is_some()
    }
}
