//! The task set: every task of the kernel and the root PID namespace.

use std::collections::HashMap;

use parking_lot::{Condvar, Mutex};

use super::exit::ExitStatus;
use super::task::{Task, TaskHandle};

/// Linux's default `kernel.pid_max`.
pub const PID_MAX: i32 = 4 * 1024 * 1024;

#[derive(Default)]
struct Inner {
    /// The next PID to try.
    next_pid: i32,
    /// PIDs in use (by live tasks, and by processes not yet reaped).
    used: std::collections::HashSet<i32>,
    /// Tasks created but not started.
    unstarted: Vec<Task>,
    /// Tasks whose sentry thread runs, by thread id.
    running: HashMap<i32, TaskHandle>,
}

/// All tasks, and PID allocation in the root namespace.
pub struct TaskSet {
    inner: Mutex<Inner>,
    /// Signalled whenever a task finishes.
    changed: Condvar,
}

impl TaskSet {
    /// An empty task set; the first PID handed out is 1.
    pub fn new() -> TaskSet {
        TaskSet { inner: Mutex::new(Inner { next_pid: 1, ..Inner::default() }), changed: Condvar::new() }
    }

    /// Allocates an unused PID, as Linux does: increasing, wrapping at
    /// `PID_MAX` back to 300 (below which only early PIDs live).
    pub fn allocate_pid(&self) -> i32 {
        let mut g = self.inner.lock();
        loop {
            let pid = g.next_pid;
            g.next_pid = if pid + 1 >= PID_MAX { 300 } else { pid + 1 };
            if g.used.insert(pid) {
                return pid;
            }
        }
    }

    /// Returns a PID to the pool.
    pub fn release_pid(&self, pid: i32) {
        self.inner.lock().used.remove(&pid);
    }

    /// Queues a task to run at [`TaskSet::start_all`].
    pub fn add_unstarted(&self, task: Task) {
        self.inner.lock().unstarted.push(task);
    }

    /// Starts a sentry thread for every queued task.
    pub fn start_all(&self) {
        let mut g = self.inner.lock();
        for task in std::mem::take(&mut g.unstarted) {
            let handle = task.handle();
            let tid = task.tid;
            let spawned = std::thread::Builder::new().name(format!("task-{tid}")).spawn(move || task.run());
            match spawned {
                Ok(_) => {
                    g.running.insert(tid, handle);
                }
                Err(e) => {
                    log::error!("cannot start a thread for task {tid}: {e}");
                    handle.tg.begin_exit(ExitStatus::killed_by(abi::signal::sig::SIGKILL));
                }
            }
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

    /// Makes every process exit with `status` and wakes every task.
    pub fn kill_all(&self, status: ExitStatus) {
        let g = self.inner.lock();
        for h in g.running.values() {
            h.kill(status);
        }
    }
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
        assert_eq!(ts.allocate_pid(), 1);
        assert_eq!(ts.allocate_pid(), 2);
        ts.release_pid(1);
        assert_eq!(ts.allocate_pid(), 3);
    }
}
