//! The kernel's CPU clock, and CPU-time accounting on it.
//!
//! As in the seed's kernel: a counter, the CPU clock, goes up by one every
//! [`CLOCK_TICK_NS`] (10 ms), driven by a periodic kernel timer, the
//! ticker, but only while at least one task is running: in app code, or in
//! the sentry on its behalf (a task asleep in a blocking call, or not
//! started yet, does not run). A tick that finds nothing running turns the
//! ticker off, so an idle sandbox costs no wake-ups; the first task to run
//! again first catches the clock up by the ticks it missed (nobody is
//! charged for them), then turns the ticker back on. Going from zero to one
//! running task is serialised with the ticker turning itself off, so every
//! task that runs sees a clock that is up to date.
//!
//! Each task records, in clock ticks, when it last changed between app
//! code, the sentry and sleeping; every tick that passes while it runs app
//! code is charged to it as user time, and every tick while the sentry
//! works for it as system time. That is the same as each tick charging the
//! running tasks, without the tick having to visit them. A process's time
//! is that of its live threads plus that of its exited ones.
//!
//! Why this model rather than the host's accounting of the stub's threads
//! (what getrusage used before): the host sees only the stub process, so
//! the time the sentry spends serving a task's system calls, which Linux
//! would count as the task's system time, is invisible in it, and reading
//! it costs a host system call per read; with the tick model, user and
//! system time mean what they mean on Linux, reading them is a few atomic
//! loads, and the same clock drives `ITIMER_VIRTUAL`, `ITIMER_PROF` and
//! `RLIMIT_CPU` consistently with what `getrusage` reports. The price is
//! the seed's: a 10 ms resolution (statistically exact over many ticks),
//! and a task preempted by the host while it runs is still charged, as a
//! guest kernel charges a task when its virtual CPU is preempted.
//!
//! Lock order: the ticker's timer state, then the idle lock
//! ([`CpuClock::idle`]); a process's thread list, then a task's account.
//! A task's account is never held while the running count changes.

use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::Mutex;

use super::thread_group::Usage;
use super::ktime::{Clock, Listener, Setting, Timer, TimerService};

/// The CPU clock's period, Linux's `TICK_NSEC` at `HZ=100`.
pub const CLOCK_TICK_NS: i64 = 10_000_000;

/// The converted length of `ticks` CPU clock ticks.
pub fn ticks_to_duration(ticks: u64) -> Duration {
    Duration::from_nanos(ticks.saturating_mul(CLOCK_TICK_NS as u64))
}

/// What the ticker and the running tasks share.
struct Shared {
    /// The CPU clock, in ticks.
    ticks: AtomicU64,
    /// Tasks running app code or sentry work. Changes from 0 to 1 happen
    /// under `idle` (see [`CpuClock::inc_running`]).
    running: AtomicI64,
    /// The CPU time all tasks used, in ticks: each tick adds the number of
    /// tasks running then (what it charges them, in sum).
    consumed: AtomicU64,
    /// Serialises the ticker turning itself off with the first task
    /// running again.
    idle: Mutex<Idle>,
    /// The kernel's work at each tick (CPU-time timers and limits).
    on_tick: OnceLock<TickHook>,
}

/// See [`CpuClock::set_tick_hook`].
pub type TickHook = Box<dyn Fn() + Send + Sync>;

/// The ticker's state while it is off.
#[derive(Default)]
struct Idle {
    /// Whether the ticker turned itself off because nothing ran.
    disabled: bool,
    /// Its setting when it did (valid while `disabled`).
    setting: Setting,
}

/// The ticker's listener: one tick per notification.
struct Ticker(Arc<Shared>);

impl Listener for Ticker {
    fn notify(&self, _expirations: u64, setting: Setting) -> Option<Setting> {
        // One tick however many periods passed: if the sentry was starved
        // of the host CPU for a while, its tasks most likely were too, and
        // a large jump would charge them for time they did not run.
        self.0.ticks.fetch_add(1, Ordering::SeqCst);
        let running = self.0.running.load(Ordering::SeqCst).max(0) as u64;
        self.0.consumed.fetch_add(running, Ordering::Relaxed);
        if let Some(hook) = self.0.on_tick.get() {
            hook();
        }
        if self.0.running.load(Ordering::SeqCst) != 0 {
            return None;
        }
        let mut idle = self.0.idle.lock();
        if self.0.running.load(Ordering::SeqCst) != 0 {
            // A task began to run meanwhile: keep ticking.
            return None;
        }
        idle.disabled = true;
        idle.setting = setting;
        Some(Setting { enabled: false, ..setting })
    }
}

/// The kernel's CPU clock and its ticker.
pub struct CpuClock {
    shared: Arc<Shared>,
    ticker: Timer,
}

impl CpuClock {
    /// A stopped CPU clock whose ticker runs on `monotonic`.
    pub fn new(service: &TimerService, monotonic: Arc<dyn Clock>) -> CpuClock {
        let shared = Arc::new(Shared {
            ticks: AtomicU64::new(0),
            running: AtomicI64::new(0),
            consumed: AtomicU64::new(0),
            idle: Mutex::new(Idle::default()),
            on_tick: OnceLock::new(),
        });
        let ticker = Timer::new(service, monotonic, Box::new(Ticker(shared.clone())));
        CpuClock { shared, ticker }
    }

    /// Sets what runs at every tick, after the clock advanced (once; later
    /// calls do nothing). It runs on the timer thread with the ticker's
    /// state locked.
    pub fn set_tick_hook(&self, hook: TickHook) {
        let _ = self.shared.on_tick.set(hook);
    }

    /// Starts the ticker (at kernel start).
    pub fn start(&self) {
        self.ticker.swap_with(|now| Setting::new(CLOCK_TICK_NS, CLOCK_TICK_NS, false, now));
    }

    /// The clock now, in ticks.
    pub fn ticks(&self) -> u64 {
        self.shared.ticks.load(Ordering::SeqCst)
    }

    /// The CPU time every task of the kernel used so far, in ticks.
    pub fn consumed(&self) -> u64 {
        self.shared.consumed.load(Ordering::Relaxed)
    }

    /// Counts one more running task; the first one after an idle spell
    /// catches the clock up and turns the ticker back on.
    fn inc_running(&self) {
        let s = &self.shared;
        let mut n = s.running.load(Ordering::SeqCst);
        while n != 0 {
            match s.running.compare_exchange_weak(n, n + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return,
                Err(seen) => n = seen,
            }
        }
        // From 0 to 1: exclude the ticker turning itself off.
        let mut idle = s.idle.lock();
        if s.running.load(Ordering::SeqCst) != 0 || !idle.disabled {
            // Another task got here first, or the ticker never stopped.
            s.running.fetch_add(1, Ordering::SeqCst);
            return;
        }
        // Every tick missed while nothing ran, charged to nobody (nothing
        // was running); the ticker's own notification adds just one.
        let (setting, missed) = idle.setting.at(self.ticker.clock().now_ns());
        s.ticks.fetch_add(missed, Ordering::SeqCst);
        // Only now may other tasks take the fast path.
        s.running.store(1, Ordering::SeqCst);
        idle.disabled = false;
        // The ticker's lock comes before `idle`: release it first.
        drop(idle);
        self.ticker.swap(setting);
    }

    /// Counts one task fewer. Nothing else: the next tick turns the ticker
    /// off if nothing runs by then, which leaves a tick of slack for tasks
    /// that block and wake in quick succession.
    fn dec_running(&self) {
        let n = self.shared.running.fetch_sub(1, Ordering::SeqCst);
        debug_assert!(n > 0, "running task count went negative");
    }

    /// Whether the ticker is on (it turned itself off if not).
    #[cfg(test)]
    fn ticking(&self) -> bool {
        !self.shared.idle.lock().disabled && self.ticker.get().1.enabled
    }
}

/// What a task is doing, for accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Running app code: ticks are user time.
    App,
    /// In the sentry, serving the task: ticks are system time.
    Sentry,
    /// Asleep, stopped, not started or finished: not running.
    Idle,
}

/// A task's account.
struct Account {
    mode: Mode,
    /// The CPU clock when `mode` last changed.
    since: u64,
    /// Ticks charged as user time before `since`.
    user: u64,
    /// Ticks charged as system time before `since`.
    system: u64,
}

impl Account {
    /// Charges the ticks since the last change to the current mode.
    fn charge(&mut self, now: u64) {
        let elapsed = now.saturating_sub(self.since);
        match self.mode {
            Mode::App => self.user += elapsed,
            Mode::Sentry => self.system += elapsed,
            Mode::Idle => {}
        }
        self.since = now;
    }
}

/// CPU time in clock ticks, split as Linux splits it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTicks {
    /// Running app code.
    pub user: u64,
    /// In the sentry on the task's behalf.
    pub system: u64,
}

impl CpuTicks {
    /// User plus system ticks.
    pub fn total(&self) -> u64 {
        self.user.saturating_add(self.system)
    }

    fn add(&mut self, o: CpuTicks) {
        self.user = self.user.saturating_add(o.user);
        self.system = self.system.saturating_add(o.system);
    }
}

impl Usage {
    /// The usage of `cpu` ticks of CPU time and a peak of `max_rss_kib`.
    pub fn of_cpu(cpu: CpuTicks, max_rss_kib: u64) -> Usage {
        Usage { user: ticks_to_duration(cpu.user), system: ticks_to_duration(cpu.system), max_rss_kib }
    }
}

/// One task's CPU time. Its mode is changed only by the task's own
/// thread; anyone may read it.
pub struct TaskClock {
    cpu: Arc<CpuClock>,
    /// The task's thread id (it changes when a thread execs and takes
    /// over its process's id).
    tid: AtomicI32,
    account: Mutex<Account>,
}

impl TaskClock {
    /// The account of task `tid`, which has not started running.
    pub fn new(cpu: &Arc<CpuClock>, tid: i32) -> TaskClock {
        TaskClock {
            cpu: cpu.clone(),
            tid: AtomicI32::new(tid),
            account: Mutex::new(Account { mode: Mode::Idle, since: 0, user: 0, system: 0 }),
        }
    }

    /// The task now has thread id `tid` (after an exec).
    pub fn set_tid(&self, tid: i32) {
        self.tid.store(tid, Ordering::Relaxed);
    }

    fn set_mode(&self, mode: Mode) {
        let mut a = self.account.lock();
        a.charge(self.cpu.ticks());
        a.mode = mode;
    }

    /// The task is about to run app code.
    pub fn enter_app(&self) {
        self.set_mode(Mode::App);
    }

    /// The task came back from app code into the sentry.
    pub fn leave_app(&self) {
        self.set_mode(Mode::Sentry);
    }

    /// The task starts to sleep (or finishes): it stops running. Does
    /// nothing if it is not running.
    pub fn stop_running(&self) {
        if self.account.lock().mode == Mode::Idle {
            return;
        }
        self.set_mode(Mode::Idle);
        self.cpu.dec_running();
    }

    /// The task runs (in the sentry) again after [`TaskClock::stop_running`]
    /// or for the first time. Does nothing if it is running.
    pub fn start_running(&self) {
        if self.account.lock().mode != Mode::Idle {
            return;
        }
        // First count it running (the clock may catch up), then stamp it:
        // the ticks caught up are nobody's.
        self.cpu.inc_running();
        self.set_mode(Mode::Sentry);
    }

    /// The task's CPU time so far.
    pub fn usage(&self) -> CpuTicks {
        let mut a = self.account.lock();
        a.charge(self.cpu.ticks());
        CpuTicks { user: a.user, system: a.system }
    }
}

/// A task's waiter stops its CPU time while it sleeps.
impl crate::waiter::SleepHook for TaskClock {
    fn asleep(&self) {
        self.stop_running();
    }

    fn awake(&self) {
        self.start_running();
    }
}

/// A process's CPU time: its live threads' and its exited threads'.
#[derive(Default)]
pub struct ProcessClock {
    inner: Mutex<ProcessInner>,
}

#[derive(Default)]
struct ProcessInner {
    live: Vec<Arc<TaskClock>>,
    exited: CpuTicks,
}

impl ProcessClock {
    /// Counts a new thread of the process.
    pub fn add_thread(&self, clock: &Arc<TaskClock>) {
        self.inner.lock().live.push(clock.clone());
    }

    /// A thread has finished: its time stays with the process.
    pub fn remove_thread(&self, clock: &Arc<TaskClock>) {
        let mut p = self.inner.lock();
        if let Some(i) = p.live.iter().position(|c| Arc::ptr_eq(c, clock)) {
            let c = p.live.swap_remove(i);
            let u = c.usage();
            p.exited.add(u);
        }
    }

    /// The clock of live thread `tid` of the process, if it has one.
    pub fn thread(&self, tid: i32) -> Option<Arc<TaskClock>> {
        self.inner.lock().live.iter().find(|c| c.tid.load(Ordering::Relaxed) == tid).cloned()
    }

    /// The process's CPU time so far.
    pub fn usage(&self) -> CpuTicks {
        let p = self.inner.lock();
        let mut total = p.exited;
        for c in &p.live {
            total.add(c.usage());
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::kernel::ktime::tests::wait_for;
    use crate::kernel::time::Timekeeper;

    fn clock() -> (TimerService, Arc<CpuClock>) {
        let svc = TimerService::new().unwrap();
        let mono = Arc::new(Timekeeper::new()).clock(abi::time::clock::MONOTONIC);
        let cpu = Arc::new(CpuClock::new(&svc, mono));
        cpu.start();
        (svc, cpu)
    }

    fn spin(d: Duration) {
        let t = Instant::now();
        while t.elapsed() < d {
            std::hint::spin_loop();
        }
    }

    #[test]
    fn the_ticker_stops_when_nothing_runs_and_catches_up() {
        let (_svc, cpu) = clock();
        let task = TaskClock::new(&cpu, 1);
        // Nothing runs: the first tick turns the ticker off.
        wait_for(|| !cpu.ticking());
        let before = cpu.ticks();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(cpu.ticks(), before, "no ticks while idle");
        // The first task to run catches up the ~10 ticks missed, and is
        // charged none of them.
        task.start_running();
        assert!(cpu.ticking());
        assert!(cpu.ticks() >= before + 9, "caught up: {} -> {}", before, cpu.ticks());
        assert_eq!(task.usage(), CpuTicks::default());
        task.stop_running();
        task.stop_running();
        wait_for(|| !cpu.ticking());
        assert_eq!(cpu.shared.running.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn running_tasks_are_charged_user_or_system_time() {
        let (_svc, cpu) = clock();
        let task = Arc::new(TaskClock::new(&cpu, 7));
        let process = ProcessClock::default();
        process.add_thread(&task);
        assert!(process.thread(7).is_some_and(|c| Arc::ptr_eq(&c, &task)));
        assert!(process.thread(8).is_none());
        task.start_running();
        task.start_running();
        task.enter_app();
        let ticks = cpu.ticks();
        wait_for(|| cpu.ticks() >= ticks + 5);
        task.leave_app();
        let u = task.usage();
        assert!(u.user >= 4 && u.system <= 1, "{u:?}");
        let ticks = cpu.ticks();
        spin(Duration::from_millis(10));
        wait_for(|| cpu.ticks() >= ticks + 3);
        let u2 = task.usage();
        assert!(u2.user == u.user && u2.system >= u.system + 2, "{u:?} then {u2:?}");
        task.stop_running();
        let idle = task.usage();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(task.usage(), idle, "a sleeping task is charged nothing");
        assert_eq!(process.usage(), idle);
        process.remove_thread(&task);
        assert_eq!(process.usage(), idle, "an exited thread's time stays");
        assert_eq!(ticks_to_duration(idle.total()), Duration::from_millis(10 * idle.total()));
    }

    #[test]
    fn the_kernels_consumption_counts_every_running_task_at_each_tick() {
        let (_svc, cpu) = clock();
        let (a, b) = (TaskClock::new(&cpu, 1), TaskClock::new(&cpu, 2));
        a.start_running();
        a.start_running();
        b.start_running();
        b.start_running();
        let (ticks, before) = (cpu.ticks(), cpu.consumed());
        wait_for(|| cpu.ticks() >= ticks + 4);
        a.stop_running();
        b.stop_running();
        let used = cpu.consumed() - before;
        // Two tasks ran through at least four ticks, at most a tick more.
        assert!((8..=12).contains(&used), "{used} ticks");
        wait_for(|| !cpu.ticking());
        let idle = cpu.consumed();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(cpu.consumed(), idle, "nothing runs, nothing is used");
    }
}
