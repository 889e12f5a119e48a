//! The sentry threads that run tasks: each live task has one to itself,
//! and a thread whose task has ended waits a while to serve the next, as
//! starting a host thread (its stack mapped, cloned, torn down again)
//! costs tens of microseconds on every fork.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError, Sender};

/// How long an idle thread waits for a task before it ends.
const IDLE_LIFETIME: Duration = Duration::from_secs(10);

/// What a thread runs: one task's whole life.
type Job = Box<dyn FnOnce() + Send>;

/// The threads of every kernel in this process.
static WORKERS: std::sync::LazyLock<Workers> = std::sync::LazyLock::new(Workers::default);

/// Runs `job` (a task's loop) on a sentry thread of its own.
pub fn run(job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    WORKERS.run(job)
}

/// The task threads.
///
/// `idle` counts waiting threads that no job is meant for: every waiting
/// thread is either counted there or matched with a job in the channel.
/// A starter that takes one from `idle` sends a job; a thread that times
/// out leaves only by taking itself from `idle`, and otherwise takes the
/// job that is then surely queued.
struct Workers {
    jobs: Sender<Job>,
    queue: Receiver<Job>,
    idle: AtomicUsize,
}

impl Default for Workers {
    fn default() -> Self {
        let (jobs, queue) = unbounded();
        Workers { jobs, queue, idle: AtomicUsize::new(0) }
    }
}

impl Workers {
    /// Runs `job` on an idle thread, or on a new one.
    fn run(&'static self, job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        if take_one(&self.idle) {
            // A waiting thread is sure to take it; the channel lives as
            // long as `self`.
            let _ = self.jobs.send(Box::new(job));
            return Ok(());
        }
        std::thread::Builder::new().name("task".into()).spawn(move || {
            job();
            self.serve();
        })?;
        Ok(())
    }

    /// A thread's life after its first job.
    fn serve(&self) {
        loop {
            self.idle.fetch_add(1, Ordering::SeqCst);
            let job = match self.queue.recv_timeout(IDLE_LIFETIME) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) if take_one(&self.idle) => return,
                // Claimed meanwhile: a job for this thread is queued.
                Err(RecvTimeoutError::Timeout) => match self.queue.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                },
                Err(RecvTimeoutError::Disconnected) => return,
            };
            job();
        }
    }
}

/// Takes one from `count` unless it is 0; whether it did.
fn take_one(count: &AtomicUsize) -> bool {
    count.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_finished_thread_serves_the_next_job() {
        let workers: &'static Workers = Box::leak(Box::default());
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        workers.run(move || tx.send(std::thread::current().id()).unwrap()).unwrap();
        let first = rx.recv().unwrap();
        while workers.idle.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        workers.run(move || tx2.send(std::thread::current().id()).unwrap()).unwrap();
        assert_eq!(rx.recv().unwrap(), first);
    }

    #[test]
    fn busy_threads_make_room_for_new_ones() {
        let workers: &'static Workers = Box::leak(Box::default());
        let (tx, rx) = mpsc::channel();
        let gate = std::sync::Arc::new(std::sync::Barrier::new(5));
        for _ in 0..4 {
            let (tx, gate) = (tx.clone(), gate.clone());
            workers.run(move || {
                gate.wait();
                tx.send(std::thread::current().id()).unwrap();
            })
            .unwrap();
        }
        // All four run at once (none waits for another to finish).
        gate.wait();
        let ids: std::collections::HashSet<_> = (0..4).map(|_| rx.recv().unwrap()).collect();
        assert_eq!(ids.len(), 4);
    }
}
