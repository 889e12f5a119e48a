//! The task set: every task of the kernel, the root PID namespace, and the
//! process tree (parents, children, process groups, sessions, zombies).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use abi::errno::{EAGAIN, ECHILD, EPERM, ESRCH};
use abi::signal::{sa, sig, SigInfo, SIG_IGN};
use abi::Errno;
use parking_lot::{Condvar, Mutex};

use super::cpu_clock::TaskClock;
use super::exit::ExitStatus;
use super::task::{Task, TaskHandle};
use super::thread_group::{ThreadGroup, Usage};

/// Linux's default `kernel.pid_max`.
pub const PID_MAX: i32 = 4 * 1024 * 1024;
/// The PID of the sandbox's init.
pub const INIT_PID: i32 = 1;

/// A process in the tree.
struct Process {
    tg: Arc<ThreadGroup>,
    /// The parent's PID; 0 for init.
    parent: i32,
    children: BTreeSet<i32>,
    pgid: i32,
    sid: i32,
    /// Set once every thread has exited, until a parent reaps it.
    zombie: Option<(ExitStatus, Usage)>,
}

/// Which children a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFor {
    /// Any child.
    Any,
    /// The child with this PID.
    Pid(i32),
    /// Any child in this process group.
    Group(i32),
}

/// What a wait reports about a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildState {
    /// It ended.
    Exited(ExitStatus),
    /// A group stop by this signal is in force.
    Stopped(i32),
    /// It was continued (`SIGCONT`) after a stop.
    Continued,
}

impl ChildState {
    /// The `wait` status word.
    pub fn wait_status(self) -> i32 {
        match self {
            ChildState::Exited(s) => s.wait_status(),
            ChildState::Stopped(signo) => (signo << 8) | 0x7f,
            ChildState::Continued => 0xffff,
        }
    }

    /// The `si_code` and `si_status` of the `siginfo` `waitid` reports.
    pub fn child_code_and_status(self) -> (i32, i32) {
        match self {
            ChildState::Exited(s) => (s.child_code(), s.child_status()),
            ChildState::Stopped(signo) => (abi::signal::code::CLD_STOPPED, signo),
            ChildState::Continued => (abi::signal::code::CLD_CONTINUED, sig::SIGCONT),
        }
    }
}

/// Which changes of state a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitWant {
    /// Exits (`WEXITED`).
    pub exited: bool,
    /// Stops (`WUNTRACED`, `WSTOPPED`).
    pub stopped: bool,
    /// Continues (`WCONTINUED`).
    pub continued: bool,
}

/// A child a wait found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    /// Its PID.
    pub pid: i32,
    /// What happened to it.
    pub state: ChildState,
    /// The resources it (and its reaped descendants) used.
    pub usage: Usage,
    /// Its real user id.
    pub uid: u32,
}

#[derive(Default)]
struct Inner {
    /// The next PID to try.
    next_pid: i32,
    /// PIDs in use (by live tasks, and by processes not yet reaped).
    used: HashSet<i32>,
    /// The most PIDs that may be in use at once.
    max_tasks: usize,
    /// Tasks created but not started.
    unstarted: Vec<Task>,
    /// Tasks whose sentry thread runs, by thread id.
    running: HashMap<i32, TaskHandle>,
    /// Every process not yet reaped, by PID.
    processes: HashMap<i32, Process>,
}

/// All tasks, PID allocation in the root namespace, and the process tree.
pub struct TaskSet {
    inner: Mutex<Inner>,
    /// Signalled whenever a task finishes.
    changed: Condvar,
    /// How many pauses are in force (they nest).
    pauses: Mutex<u32>,
    /// Whether any pause is in force: read lock-free at every stop point;
    /// written only under `pauses`.
    paused: AtomicBool,
    /// Signalled when the last pause is lifted.
    unpaused: Condvar,
}

impl TaskSet {
    /// An empty task set; the first PID handed out is 1.
    pub fn new() -> TaskSet {
        TaskSet {
            inner: Mutex::new(Inner { next_pid: 1, max_tasks: usize::MAX, ..Inner::default() }),
            changed: Condvar::new(),
            pauses: Mutex::new(0),
            paused: AtomicBool::new(false),
            unpaused: Condvar::new(),
        }
    }

    /// Caps the tasks (threads, and processes until they are reaped) the
    /// set may hold at once, as Linux's pids controller does.
    pub fn set_max_tasks(&self, max: usize) {
        self.inner.lock().max_tasks = max;
    }

    /// Allocates an unused PID, as Linux does: increasing, wrapping at
    /// `PID_MAX` back to 300 (below which only early PIDs live); `EAGAIN`
    /// when the set holds as many tasks as it may ([`Self::set_max_tasks`]).
    pub fn allocate_pid(&self) -> Result<i32, Errno> {
        let mut g = self.inner.lock();
        if g.used.len() >= g.max_tasks {
            return Err(EAGAIN);
        }
        loop {
            let pid = g.next_pid;
            g.next_pid = if pid + 1 >= PID_MAX { 300 } else { pid + 1 };
            if g.used.insert(pid) {
                return Ok(pid);
            }
        }
    }

    /// Returns a PID that never became a process to the pool.
    pub fn release_pid(&self, pid: i32) {
        self.inner.lock().used.remove(&pid);
    }

    /// Adds a new process under `parent` (0 for init), in the given
    /// process group and session.
    pub fn add_process(&self, tg: Arc<ThreadGroup>, parent: i32, pgid: i32, sid: i32) {
        let mut g = self.inner.lock();
        let pid = tg.tgid;
        if let Some(p) = g.processes.get_mut(&parent) {
            p.children.insert(pid);
        }
        g.processes.insert(pid, Process { tg, parent, children: BTreeSet::new(), pgid, sid, zombie: None });
    }

    /// Queues a task to run at [`TaskSet::start_all`].
    pub fn add_unstarted(&self, task: Task) {
        self.inner.lock().unstarted.push(task);
    }

    /// Starts a sentry thread for every queued task.
    pub fn start_all(&self) {
        let tasks = std::mem::take(&mut self.inner.lock().unstarted);
        for task in tasks {
            self.start(task);
        }
    }

    /// Starts the sentry thread of one task.
    pub fn start(&self, task: Task) {
        let handle = task.handle();
        let tid = task.tid;
        let mut g = self.inner.lock();
        let run = move || {
            super::task::set_current(&task);
            task.run()
        };
        match super::workers::run(run) {
            Ok(_) => {
                g.running.insert(tid, handle);
            }
            Err(e) => {
                log::error!("cannot start a thread for task {tid}: {e}");
                drop(g);
                handle.kill(ExitStatus::killed_by(sig::SIGKILL));
            }
        }
    }

    /// Every live (not zombie) process.
    pub fn thread_groups(&self) -> Vec<Arc<ThreadGroup>> {
        self.inner.lock().processes.values().filter(|p| p.zombie.is_none()).map(|p| p.tg.clone()).collect()
    }

    /// How many tasks are live (started and not finished).
    pub fn live_tasks(&self) -> usize {
        self.inner.lock().running.len()
    }

    /// The handle of live task `tid` (a thread of any process). A thread
    /// whose process has been reaped is gone, though its host thread may
    /// still be finishing.
    pub fn handle(&self, tid: i32) -> Option<TaskHandle> {
        let g = self.inner.lock();
        g.running.get(&tid).filter(|h| g.processes.contains_key(&h.tg.tgid)).cloned()
    }

    /// Replaces a task's handle (its process image changed: `execve`).
    pub fn update_handle(&self, handle: TaskHandle) {
        if let Some(h) = self.inner.lock().running.get_mut(&handle.tid) {
            *h = handle;
        }
    }

    /// Called by a task's thread as its last act.
    pub fn task_finished(&self, tid: i32) {
        let mut g = self.inner.lock();
        g.running.remove(&tid);
        self.changed.notify_all();
    }

    /// Blocks until no task runs.
    pub fn wait_all_exited(&self) {
        let mut g = self.inner.lock();
        while !g.running.is_empty() || !g.unstarted.is_empty() {
            self.changed.wait(&mut g);
        }
    }

    /// Stops every task at a known point and returns once all are there:
    /// tasks running app code are kicked into the sentry and wait at the
    /// top of their loop; tasks asleep in a blocking call stay asleep (and
    /// stop at the top of their loop when they next get there). Pauses
    /// nest; each needs an [`TaskSet::unpause`].
    pub fn pause(&self) {
        {
            let mut p = self.pauses.lock();
            *p += 1;
            self.paused.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        loop {
            let handles: Vec<TaskHandle> = self.inner.lock().running.values().cloned().collect();
            let moving: Vec<&TaskHandle> = handles.iter().filter(|h| !h.is_stopped()).collect();
            if moving.is_empty() {
                return;
            }
            for h in moving {
                h.kick();
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Lifts one pause; when none is left, every stopped task goes on.
    pub fn unpause(&self) {
        let mut p = self.pauses.lock();
        *p = p.saturating_sub(1);
        if *p == 0 {
            self.paused.store(false, std::sync::atomic::Ordering::SeqCst);
            self.unpaused.notify_all();
        }
    }

    /// The task loop's stop point: while the kernel is paused, waits here
    /// with `at_stop` set, not running (for the CPU clock: `clock`).
    pub fn stop_point(&self, at_stop: &std::sync::atomic::AtomicBool, clock: &TaskClock) {
        if !self.paused.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let mut p = self.pauses.lock();
        if *p == 0 {
            return;
        }
        at_stop.store(true, std::sync::atomic::Ordering::SeqCst);
        clock.stop_running();
        while *p > 0 {
            self.unpaused.wait(&mut p);
        }
        drop(p);
        // Not under `pauses`: running again may take the ticker's lock.
        clock.start_running();
        at_stop.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Makes every thread of process `tgid` stop at once (its process is
    /// exiting with `status`).
    pub fn kill_process(&self, tgid: i32, status: ExitStatus) {
        let handles: Vec<TaskHandle> = self.inner.lock().running.values().filter(|h| h.tg.tgid == tgid).cloned().collect();
        for h in handles {
            h.kill(status);
        }
    }

    /// Ends every thread of process `tgid` but `keep` (for `execve`), and
    /// waits until they are gone; `keep` then takes over thread id `tgid`
    /// if it had another one. Returns the thread id `keep` now has.
    pub fn de_thread(&self, tgid: i32, keep: i32, tg: &ThreadGroup) -> i32 {
        let others: Vec<TaskHandle> = self.inner.lock().running.values().filter(|h| h.tg.tgid == tgid && h.tid != keep).cloned().collect();
        for h in &others {
            h.zap();
        }
        let mut g = self.inner.lock();
        while others.iter().any(|h| g.running.contains_key(&h.tid)) || tg.exit.lock().live_threads > 1 {
            self.changed.wait(&mut g);
        }
        if keep != tgid {
            if let Some(h) = g.running.remove(&keep) {
                g.running.insert(tgid, h);
            }
            g.used.remove(&keep);
        }
        tgid
    }

    /// Makes every process exit with `status` and wakes every task. Every
    /// host process dies at once, those that several processes share
    /// (`CLONE_VM`) too: no process is left to need them.
    pub fn kill_all(&self, status: ExitStatus) {
        let handles: Vec<TaskHandle> = self.inner.lock().running.values().cloned().collect();
        for h in handles {
            h.kill(status);
            h.kill_host_process();
        }
    }

    /// The parent's PID of process `pid` (0 for init or an unknown PID).
    pub fn parent_of(&self, pid: i32) -> i32 {
        self.inner.lock().processes.get(&pid).map_or(0, |p| p.parent)
    }

    /// The process group and session of process `pid` (a zombie's too,
    /// until it is reaped).
    pub fn group_and_session(&self, pid: i32) -> Result<(i32, i32), Errno> {
        let g = self.inner.lock();
        let p = g.processes.get(&pid).ok_or(ESRCH)?;
        Ok((p.pgid, p.sid))
    }

    /// The PIDs of the live processes, in order.
    pub fn pids(&self) -> Vec<i32> {
        self.process_ids(false)
    }

    /// The PIDs of the live processes and, with `zombies`, of those not
    /// reaped yet, in order.
    pub fn process_ids(&self, zombies: bool) -> Vec<i32> {
        let mut v: Vec<i32> = self.inner.lock().processes.iter().filter(|(_, p)| zombies || p.zombie.is_none()).map(|(&pid, _)| pid).collect();
        v.sort_unstable();
        v
    }

    /// Whether process `pid` has ended and waits to be reaped.
    pub fn is_zombie(&self, pid: i32) -> bool {
        self.inner.lock().processes.get(&pid).is_some_and(|p| p.zombie.is_some())
    }

    /// The handles of process `tgid`'s live threads, by thread id.
    pub fn threads_of(&self, tgid: i32) -> Vec<TaskHandle> {
        let mut v: Vec<TaskHandle> = self.inner.lock().running.values().filter(|h| h.tg.tgid == tgid).cloned().collect();
        v.sort_unstable_by_key(|h| h.tid);
        v
    }

    /// The live process `pid`'s thread group.
    pub fn thread_group(&self, pid: i32) -> Option<Arc<ThreadGroup>> {
        self.inner.lock().processes.get(&pid).filter(|p| p.zombie.is_none()).map(|p| p.tg.clone())
    }

    /// Process `pid`'s thread group, a zombie's too (until it is reaped).
    pub fn process(&self, pid: i32) -> Option<Arc<ThreadGroup>> {
        self.inner.lock().processes.get(&pid).map(|p| p.tg.clone())
    }

    /// Records that every thread of `tg` has exited: it becomes a zombie
    /// for its parent to reap (or is reaped at once if the parent ignores
    /// SIGCHLD), its children go to the nearest subreaper or init, and if
    /// it is init, every other process is killed.
    pub fn process_exited(&self, tg: &Arc<ThreadGroup>, status: ExitStatus, usage: Usage) {
        let pid = tg.tgid;
        let mut g = self.inner.lock();
        let Some(p) = g.processes.get_mut(&pid) else { return };
        p.zombie = Some((status, usage));
        let parent = p.parent;
        let children: Vec<i32> = std::mem::take(&mut p.children).into_iter().collect();
        let new_parent = Self::reaper_for(&g, parent);
        for &child in &children {
            let zombie = match g.processes.get_mut(&child) {
                Some(c) => {
                    c.parent = new_parent;
                    c.zombie.is_some()
                }
                None => continue,
            };
            if let Some(np) = g.processes.get_mut(&new_parent) {
                np.children.insert(child);
                if zombie {
                    np.tg.child_events.notify(crate::waiter::events::ALL);
                }
            }
        }
        let hangups = Self::newly_orphaned_stopped_groups(&g, pid, &children);
        let orphans: Vec<Arc<ThreadGroup>> = children.iter().filter_map(|c| g.processes.get(c)).filter(|c| c.zombie.is_none()).map(|c| c.tg.clone()).collect();
        let ptg = g.processes.get(&parent).map(|p| p.tg.clone());
        if let Some(ptg) = &ptg {
            if Self::auto_reaps(ptg) {
                Self::remove(&mut g, pid);
            }
        }
        drop(g);
        for (pgid, members) in hangups {
            // POSIX: a process group orphaned with stopped members gets
            // SIGHUP, then SIGCONT, so that it does not stay stopped forever.
            log::debug!("process group {pgid} is orphaned with stopped members");
            for signo in [sig::SIGHUP, sig::SIGCONT] {
                for member in &members {
                    let _ = member.send_signal(self, SigInfo::new(signo, abi::signal::code::SI_KERNEL), None);
                }
            }
        }
        let uid = tg.creds.lock().uid;
        for child in orphans {
            // PR_SET_PDEATHSIG: the children whose parent this was learn it.
            let deathsigs: Vec<i32> = child.signals.lock().threads.values().map(|t| t.pdeathsig).filter(|&s| s != 0).collect();
            for signo in deathsigs {
                let _ = child.queue_signal(SigInfo::from_process(signo, abi::signal::code::SI_USER, pid, uid), None);
            }
        }
        if let Some(ptg) = ptg {
            // Linux's do_notify_parent: the exit signal, unless it is
            // SIGCHLD and the parent ignores it.
            let ignored = ptg.signals.lock().action(sig::SIGCHLD).handler == SIG_IGN;
            if tg.exit_signal != 0 && !(tg.exit_signal == sig::SIGCHLD && ignored) {
                let info = child_info(tg, status.child_code(), status.child_status(), usage);
                let _ = ptg.queue_signal(SigInfo { signo: tg.exit_signal, ..info }, None);
            }
            ptg.child_events.notify(crate::waiter::events::ALL);
        }
        if pid == INIT_PID {
            // As when a PID namespace's init dies: nothing else may live on.
            self.kill_all(ExitStatus::killed_by(sig::SIGKILL));
        }
    }

    /// Tells the parent of `child` that it stopped or continued (`code`
    /// `CLD_STOPPED` or `CLD_CONTINUED`, with the signal that did it):
    /// `SIGCHLD` unless the parent set `SA_NOCLDSTOP`, and its waits wake.
    pub fn notify_parent(&self, child: &ThreadGroup, code: i32, signo: i32) {
        let ptg = {
            let g = self.inner.lock();
            g.processes.get(&child.tgid).and_then(|p| g.processes.get(&p.parent)).map(|p| p.tg.clone())
        };
        let Some(ptg) = ptg else { return };
        if !ptg.signals.lock().no_child_stop_signal() {
            let _ = ptg.queue_signal(child_info(child, code, signo, Usage::default()), None);
        }
        ptg.child_events.notify(crate::waiter::events::ALL);
    }

    /// Whether process group `pgid` is orphaned, not counting process
    /// `ignoring` (Linux's `will_become_orphaned_pgrp`): no live member
    /// has a parent in another group of the same session (the parent that
    /// lets a job-control shell continue the group).
    fn orphaned(g: &Inner, pgid: i32, ignoring: i32) -> bool {
        !g.processes.iter().any(|(&pid, p)| {
            pid != ignoring
                && p.zombie.is_none()
                && p.pgid == pgid
                && g.processes.get(&p.parent).is_some_and(|q| q.pgid != pgid && q.sid == p.sid)
        })
    }

    /// Whether a live member of group `pgid` is stopped.
    fn has_stopped(g: &Inner, pgid: i32) -> bool {
        g.processes.values().any(|p| p.zombie.is_none() && p.pgid == pgid && p.tg.signals.lock().stop.signo.is_some())
    }

    /// The groups the end of `exiting` orphans while they have a stopped
    /// member, with their live members, as Linux's `kill_orphaned_pgrp`
    /// finds them: its own group, if its parent was the group's link to
    /// the session; and the groups of its `children` (already handed to
    /// their new parent) that it was the link of.
    fn newly_orphaned_stopped_groups(g: &Inner, exiting: i32, children: &[i32]) -> Vec<(i32, Vec<Arc<ThreadGroup>>)> {
        let Some(me) = g.processes.get(&exiting) else { return Vec::new() };
        let mut groups = BTreeSet::new();
        if let Some(parent) = g.processes.get(&me.parent) {
            if parent.pgid != me.pgid && parent.sid == me.sid && Self::orphaned(g, me.pgid, exiting) {
                groups.insert(me.pgid);
            }
        }
        for child in children.iter().filter_map(|c| g.processes.get(c)) {
            if child.pgid != me.pgid && child.sid == me.sid && Self::orphaned(g, child.pgid, 0) {
                groups.insert(child.pgid);
            }
        }
        groups
            .into_iter()
            .filter(|&pgid| Self::has_stopped(g, pgid))
            .map(|pgid| (pgid, g.processes.values().filter(|p| p.zombie.is_none() && p.pgid == pgid).map(|p| p.tg.clone()).collect()))
            .collect()
    }

    /// Whether the process group of process `pid` is orphaned: a stop
    /// signal sent to it by the terminal (`SIGTSTP`, `SIGTTIN`, `SIGTTOU`)
    /// then does nothing.
    pub fn group_is_orphaned(&self, pid: i32) -> bool {
        let g = self.inner.lock();
        g.processes.get(&pid).is_some_and(|p| Self::orphaned(&g, p.pgid, 0))
    }

    /// Where the orphans of a process whose parent is `parent` go: the
    /// nearest living ancestor that is a child subreaper, else init.
    fn reaper_for(g: &Inner, mut parent: i32) -> i32 {
        while let Some(p) = g.processes.get(&parent) {
            if p.zombie.is_none() && p.tg.child_subreaper.load(std::sync::atomic::Ordering::Relaxed) {
                return parent;
            }
            parent = p.parent;
        }
        INIT_PID
    }

    /// Whether a parent's children are reaped as they die: SIGCHLD ignored
    /// or `SA_NOCLDWAIT` set.
    fn auto_reaps(parent: &ThreadGroup) -> bool {
        let a = parent.signals.lock().actions[sig::SIGCHLD as usize - 1];
        a.handler == SIG_IGN || a.flags & sa::NOCLDWAIT != 0
    }

    fn remove(g: &mut Inner, pid: i32) {
        if let Some(p) = g.processes.remove(&pid) {
            if let Some(parent) = g.processes.get_mut(&p.parent) {
                parent.children.remove(&pid);
            }
        }
        g.used.remove(&pid);
    }

    /// Looks for a child of `parent` that `which` selects and whose state
    /// changed as `want` asks; reaps an exited one and consumes a stop or
    /// continue report unless `keep`. `clones` selects children whose exit
    /// signal is not SIGCHLD (`__WCLONE`); `all` selects both (`__WALL`).
    /// `Ok(None)`: matching children exist but none is ready; `ECHILD`:
    /// none exists.
    pub fn reap(&self, parent: i32, which: WaitFor, want: WaitWant, clones: bool, all: bool, keep: bool) -> Result<Option<Reaped>, Errno> {
        let mut g = self.inner.lock();
        let p = g.processes.get(&parent).ok_or(ECHILD)?;
        let mut found = false;
        let mut ready = None;
        for &c in &p.children {
            let Some(child) = g.processes.get(&c) else { continue };
            let selected = match which {
                WaitFor::Any => true,
                WaitFor::Pid(pid) => c == pid,
                WaitFor::Group(pgid) => child.pgid == pgid,
            };
            let is_clone = child.tg.exit_signal != sig::SIGCHLD;
            if !selected || !(all || is_clone == clones) {
                continue;
            }
            found = true;
            let uid = child.tg.creds.lock().uid;
            if let Some((status, usage)) = child.zombie {
                if want.exited {
                    ready = Some(Reaped { pid: c, state: ChildState::Exited(status), usage, uid });
                    break;
                }
                continue;
            }
            let mut sigs = child.tg.signals.lock();
            let state = match sigs.stop {
                ref st if want.stopped && st.report_stop.is_some() => {
                    let signo = st.report_stop.unwrap_or(sig::SIGSTOP);
                    if !keep {
                        sigs.stop.report_stop = None;
                    }
                    Some(ChildState::Stopped(signo))
                }
                ref st if want.continued && st.report_continue => {
                    if !keep {
                        sigs.stop.report_continue = false;
                    }
                    Some(ChildState::Continued)
                }
                _ => None,
            };
            if let Some(state) = state {
                ready = Some(Reaped { pid: c, state, usage: Usage::default(), uid });
                break;
            }
        }
        let Some(r) = ready else { return if found { Ok(None) } else { Err(ECHILD) } };
        if let (false, ChildState::Exited(_)) = (keep, r.state) {
            let ptg = g.processes.get(&parent).map(|p| p.tg.clone());
            Self::remove(&mut g, r.pid);
            if let Some(ptg) = ptg {
                let mut u = ptg.children_usage.lock();
                u.user += r.usage.user;
                u.system += r.usage.system;
                u.max_rss_kib = u.max_rss_kib.max(r.usage.max_rss_kib);
            }
        }
        Ok(Some(r))
    }

    /// `setpgid` from process `caller` on `pid` (0: the caller) to `pgid`
    /// (0: `pid`), with Linux's rules.
    pub fn set_pgid(&self, caller: i32, pid: i32, pgid: i32) -> Result<(), Errno> {
        let pid = if pid == 0 { caller } else { pid };
        let pgid = if pgid == 0 { pid } else { pgid };
        let mut g = self.inner.lock();
        let caller_sid = g.processes.get(&caller).map(|p| p.sid).ok_or(ESRCH)?;
        let target = g.processes.get(&pid).filter(|p| p.zombie.is_none()).ok_or(ESRCH)?;
        if pid != caller {
            if target.parent != caller {
                return Err(ESRCH);
            }
            if target.tg.execed.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(abi::errno::EACCES);
            }
        }
        if target.sid != caller_sid || target.sid == pid {
            // Another session's process, or a session leader.
            return Err(EPERM);
        }
        if pgid != pid && !g.processes.values().any(|p| p.zombie.is_none() && p.pgid == pgid && p.sid == caller_sid) {
            return Err(EPERM);
        }
        if let Some(t) = g.processes.get_mut(&pid) {
            t.pgid = pgid;
        }
        Ok(())
    }

    /// `setsid` for process `pid`: a new session and process group, both
    /// numbered `pid`, unless it already leads a process group.
    pub fn set_sid(&self, pid: i32) -> Result<i32, Errno> {
        let mut g = self.inner.lock();
        if g.processes.values().any(|p| p.pgid == pid) {
            return Err(EPERM);
        }
        let p = g.processes.get_mut(&pid).ok_or(ESRCH)?;
        p.pgid = pid;
        p.sid = pid;
        Ok(pid)
    }

    /// PIDs of the live processes in process group `pgid`.
    pub fn group_members(&self, pgid: i32) -> Vec<i32> {
        let g = self.inner.lock();
        g.processes.iter().filter(|(_, p)| p.zombie.is_none() && p.pgid == pgid).map(|(&pid, _)| pid).collect()
    }

    /// PIDs of every live process.
    pub fn all_processes(&self) -> Vec<i32> {
        let g = self.inner.lock();
        g.processes.iter().filter(|(_, p)| p.zombie.is_none()).map(|(&pid, _)| pid).collect()
    }

    /// How many live processes run as real user `uid` (`RLIMIT_NPROC`).
    pub fn processes_of(&self, uid: u32) -> usize {
        let g = self.inner.lock();
        g.processes.values().filter(|p| p.zombie.is_none() && p.tg.creds.lock().uid == uid).count()
    }
}

/// The `SIGCHLD` siginfo about `child`: `si_status` is `status`.
fn child_info(child: &ThreadGroup, code: i32, status: i32, usage: Usage) -> SigInfo {
    child_siginfo(code, child.tgid, child.creds.lock().uid, status, usage)
}

/// The `SIGCHLD` siginfo (and `waitid` answer) about child `pid` of user
/// `uid`: `si_status` is `status`, the times are in clock ticks.
pub fn child_siginfo(code: i32, pid: i32, uid: u32, status: i32, usage: Usage) -> SigInfo {
    let ticks = |d: std::time::Duration| (d.as_millis() / 10) as u64;
    SigInfo::child(code, pid, uid, status, ticks(usage.user), ticks(usage.system))
}

impl Default for TaskSet {
    fn default() -> TaskSet {
        TaskSet::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_start_at_one_and_are_reused_only_after_release() {
        let ts = TaskSet::new();
        assert_eq!(ts.allocate_pid(), Ok(1));
        assert_eq!(ts.allocate_pid(), Ok(2));
        ts.release_pid(1);
        assert_eq!(ts.allocate_pid(), Ok(3));
    }

    #[test]
    fn past_the_task_limit_allocation_fails_until_a_pid_is_released() {
        let ts = TaskSet::new();
        ts.set_max_tasks(2);
        assert_eq!(ts.allocate_pid(), Ok(1));
        assert_eq!(ts.allocate_pid(), Ok(2));
        assert_eq!(ts.allocate_pid(), Err(EAGAIN));
        ts.release_pid(2);
        assert_eq!(ts.allocate_pid(), Ok(3));
    }
}
