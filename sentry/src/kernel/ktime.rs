//! Kernel timers: [`Setting`]s, [`Timer`]s, and the one [`TimerService`]
//! thread that drives every timer of the kernel.
//!
//! A [`Setting`] is a pure value: whether a timer is armed, when on its
//! clock it next expires, and its period (0 for one-shot). A [`Timer`] holds
//! a setting on a [`Clock`] and tells its [`Listener`] of expirations, with
//! their count: a periodic timer that could not be served for a while (its
//! process was blocked, the machine was busy) reports every period that
//! passed in one notification, which is how overruns are counted.
//!
//! One service thread sleeps until the earliest armed deadline of all its
//! timers, whatever their clocks (a queue per clock), fires what is due and
//! sleeps again; with nothing armed it sleeps without a deadline, so idle
//! timers cost nothing. A timer can also be paused (it keeps its setting
//! but is not served; on resume, expirations that passed meanwhile are
//! reported at once), and the whole service can be paused, which is how
//! the kernel stops time as a whole for save/restore.
//!
//! Expirations are also processed whenever a timer is read or changed
//! ([`Timer::get`], [`Timer::swap`]), so a reader never sees a stale
//! expiry count even if the service thread runs late.
//!
//! Lock order: a timer's state, then the service's queue. A listener runs
//! with its timer's state locked (never the queue): it must not call back
//! into its own timer; it changes the setting by returning a new one.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

/// The shortest time between two wake-ups of the service for one
/// periodic timer.
const MIN_WAKE_NS: i64 = 100_000;

/// A clock timers run on: nanoseconds on some time line that never goes
/// back (realtime may, on the host; see [`TimerService`]).
pub trait Clock: Send + Sync {
    /// The clock's time now, in nanoseconds.
    fn now_ns(&self) -> i64;
}

/// When a timer expires: one-shot (`period == 0`) or periodic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Setting {
    /// Whether the timer is armed.
    pub enabled: bool,
    /// When it next expires, on its clock (meaningful only if enabled).
    pub next: i64,
    /// Its period in nanoseconds; 0 for a one-shot timer. Kept when the
    /// timer is disarmed, as Linux reports it back.
    pub period: i64,
}

impl Setting {
    /// The setting an `itimerspec`-like request makes: disarmed when
    /// `value_ns` is 0, else first expiring at `value_ns` (absolute) or
    /// `value_ns` after `now`, then every `period_ns`.
    pub fn new(value_ns: i64, period_ns: i64, absolute: bool, now: i64) -> Setting {
        let period = period_ns.max(0);
        if value_ns == 0 {
            return Setting { enabled: false, next: 0, period };
        }
        let next = if absolute { value_ns } else { now.saturating_add(value_ns) };
        Setting { enabled: true, next, period }
    }

    /// The setting after advancing to `now`, and how many times it expired
    /// on the way (0 if not at all).
    pub fn at(self, now: i64) -> (Setting, u64) {
        if !self.enabled || now < self.next {
            return (self, 0);
        }
        if self.period == 0 {
            return (Setting { enabled: false, ..self }, 1);
        }
        let late = (now - self.next) as u64 / self.period as u64;
        let expirations = late.saturating_add(1);
        let advance = i64::try_from(expirations).unwrap_or(i64::MAX).saturating_mul(self.period);
        (Setting { next: self.next.saturating_add(advance), ..self }, expirations)
    }

    /// What `*_gettime` reports: the time left until the next expiration
    /// (0 if disarmed; at least 1 ns if armed) and the period.
    pub fn remaining(&self, now: i64) -> (i64, i64) {
        if !self.enabled {
            return (0, self.period);
        }
        (self.next.saturating_sub(now).max(1), self.period)
    }
}

/// Who hears of a timer's expirations.
pub trait Listener: Send + Sync {
    /// The timer expired `expirations` times (at least 1) and now holds
    /// `setting`. Runs with the timer locked, on the service thread or on
    /// the thread that read or changed the timer; must not touch its own
    /// timer. Returns a setting to replace `setting` with, if any.
    fn notify(&self, expirations: u64, setting: Setting) -> Option<Setting>;
}

/// A timer's mutable state.
struct TimerState {
    setting: Setting,
    /// Paused timers keep their setting but are not served.
    paused: bool,
    /// The deadline the timer is queued at in the service, if it is.
    queued: Option<i64>,
}

/// What the service and the timer's owner share.
struct TimerShared {
    id: u64,
    /// This timer, as the service's queue holds it.
    me: Weak<TimerShared>,
    clock: Arc<dyn Clock>,
    /// The clock's queue in the service.
    slot: usize,
    service: Arc<ServiceShared>,
    listener: Box<dyn Listener>,
    state: Mutex<TimerState>,
}

impl TimerShared {
    /// Processes the expirations due by now, tells the listener, and
    /// queues the timer for its next deadline. Returns the time now and
    /// the resulting setting.
    fn update(&self, st: &mut TimerState) -> (i64, Setting) {
        let now = self.clock.now_ns();
        if !st.paused {
            let (s, expirations) = st.setting.at(now);
            st.setting = s;
            if expirations > 0 {
                if let Some(replacement) = self.listener.notify(expirations, s) {
                    st.setting = replacement;
                }
            }
        }
        self.requeue(st);
        (now, st.setting)
    }

    /// Puts the timer in the service's queue at its deadline, or takes it
    /// out if it is disarmed or paused.
    fn requeue(&self, st: &mut TimerState) {
        let mut want = (st.setting.enabled && !st.paused).then_some(st.setting.next);
        if st.setting.period > 0 && st.setting.period < MIN_WAKE_NS {
            // A tiny period is served in batches (the count stays exact):
            // a hostile one must not keep the service thread spinning.
            want = want.map(|at| at.max(self.clock.now_ns().saturating_add(MIN_WAKE_NS)));
        }
        if want == st.queued {
            return;
        }
        let mut q = self.service.queue.lock();
        let queue = &mut q.clocks[self.slot].1;
        if let Some(old) = st.queued.take() {
            queue.remove(&(old, self.id));
        }
        if let Some(at) = want {
            let first = queue.keys().next().is_none_or(|&(t, _)| at < t);
            queue.insert((at, self.id), self.me.clone());
            st.queued = Some(at);
            if first {
                self.service.cond.notify_one();
            }
        }
    }
}

/// A timer on one clock, served by a [`TimerService`]. Dropping it
/// disarms it.
pub struct Timer {
    shared: Arc<TimerShared>,
}

impl Timer {
    /// A disarmed timer on `clock` whose expirations go to `listener`.
    pub fn new(service: &TimerService, clock: Arc<dyn Clock>, listener: Box<dyn Listener>) -> Timer {
        let slot = service.slot_of(&clock);
        let shared = Arc::new_cyclic(|me| TimerShared {
            id: service.shared.next_id(),
            me: me.clone(),
            clock,
            slot,
            service: service.shared.clone(),
            listener,
            state: Mutex::new(TimerState { setting: Setting::default(), paused: false, queued: None }),
        });
        Timer { shared }
    }

    /// The timer's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    /// The time now and the current setting, after telling the listener
    /// of expirations already due.
    pub fn get(&self) -> (i64, Setting) {
        let mut st = self.shared.state.lock();
        self.shared.update(&mut st)
    }

    /// Replaces the setting with the one `make` builds from the time now;
    /// returns the time now and the setting replaced (after its due
    /// expirations were told). If the new setting is already due, the
    /// listener hears of it before this returns.
    pub fn swap_with(&self, make: impl FnOnce(i64) -> Setting) -> (i64, Setting) {
        let mut st = self.shared.state.lock();
        let (now, old) = self.shared.update(&mut st);
        st.setting = make(now);
        self.shared.update(&mut st);
        (now, old)
    }

    /// [`Timer::swap_with`] a fixed setting.
    pub fn swap(&self, new: Setting) -> (i64, Setting) {
        self.swap_with(|_| new)
    }

    /// Stops serving the timer, keeping its setting (idempotent).
    pub fn pause(&self) {
        let mut st = self.shared.state.lock();
        self.shared.update(&mut st);
        st.paused = true;
        self.shared.requeue(&mut st);
    }

    /// Serves the timer again; expirations that passed while it was
    /// paused are told at once (idempotent).
    pub fn resume(&self) {
        let mut st = self.shared.state.lock();
        st.paused = false;
        self.shared.update(&mut st);
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let mut st = self.shared.state.lock();
        st.paused = true;
        self.shared.requeue(&mut st);
    }
}

/// The armed timers of one clock, by (deadline, timer id).
type ClockQueue = BTreeMap<(i64, u64), Weak<TimerShared>>;

/// The service's queue: one per clock, and whether it is paused or stopping.
struct Queue {
    clocks: Vec<(Arc<dyn Clock>, ClockQueue)>,
    /// Nesting count of [`TimerService::pause`].
    paused: u32,
    stop: bool,
}

/// What the service thread and the timers share.
struct ServiceShared {
    queue: Mutex<Queue>,
    cond: Condvar,
    ids: std::sync::atomic::AtomicU64,
}

impl ServiceShared {
    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The service thread: fire what is due, sleep until the next deadline.
    fn run(self: Arc<ServiceShared>) {
        let mut due = Vec::new();
        loop {
            {
                let mut q = self.queue.lock();
                loop {
                    if q.stop {
                        return;
                    }
                    let mut wait: Option<i64> = None;
                    if q.paused == 0 {
                        for (clock, queue) in q.clocks.iter_mut() {
                            let now = clock.now_ns();
                            while let Some(entry) = queue.first_entry() {
                                let (at, _) = *entry.key();
                                if at > now {
                                    let left = at - now;
                                    wait = Some(wait.map_or(left, |w| w.min(left)));
                                    break;
                                }
                                due.push(entry.remove());
                            }
                        }
                    }
                    if !due.is_empty() {
                        break;
                    }
                    match wait {
                        Some(ns) => {
                            self.cond.wait_for(&mut q, Duration::from_nanos(ns as u64));
                        }
                        None => self.cond.wait(&mut q),
                    }
                }
            }
            for timer in due.drain(..).filter_map(|w| w.upgrade()) {
                let mut st = timer.state.lock();
                // Taken out of the queue above: whatever deadline it was
                // queued at is gone.
                st.queued = None;
                timer.update(&mut st);
            }
        }
    }
}

/// The thread that serves every timer of a kernel.
///
/// Deadlines are kept on each timer's own clock and the thread sleeps for
/// the shortest time left on any of them; clocks advance at the host's
/// rate, so a clock that jumps (host realtime being set) is noticed at the
/// next wake-up, and a timer found not yet due is simply queued again.
pub struct TimerService {
    shared: Arc<ServiceShared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TimerService {
    /// Starts the service thread.
    pub fn new() -> std::io::Result<TimerService> {
        let shared = Arc::new(ServiceShared {
            queue: Mutex::new(Queue { clocks: Vec::new(), paused: 0, stop: false }),
            cond: Condvar::new(),
            ids: std::sync::atomic::AtomicU64::new(1),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new().name("timers".into()).spawn(move || s.run())?;
        Ok(TimerService { shared, thread: Some(thread) })
    }

    /// The index of `clock`'s queue, made on first use.
    fn slot_of(&self, clock: &Arc<dyn Clock>) -> usize {
        let mut q = self.shared.queue.lock();
        let key = Arc::as_ptr(clock) as *const ();
        if let Some(i) = q.clocks.iter().position(|(c, _)| Arc::as_ptr(c) as *const () == key) {
            return i;
        }
        q.clocks.push((clock.clone(), BTreeMap::new()));
        q.clocks.len() - 1
    }

    /// Stops firing any timer until [`TimerService::resume`]; nests.
    pub fn pause(&self) {
        self.shared.queue.lock().paused += 1;
    }

    /// Lifts one [`TimerService::pause`]; what fell due meanwhile fires.
    pub fn resume(&self) {
        let mut q = self.shared.queue.lock();
        q.paused = q.paused.saturating_sub(1);
        self.shared.cond.notify_one();
    }

    /// Makes the thread look at its queues again now.
    fn poke(&self) {
        let _q = self.shared.queue.lock();
        self.shared.cond.notify_one();
    }
}

impl Drop for TimerService {
    fn drop(&mut self) {
        self.shared.queue.lock().stop = true;
        self.poke();
        // The last reference may go from a listener, on the thread itself.
        if let Some(t) = self.thread.take().filter(|t| t.thread().id() != std::thread::current().id()) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    use std::time::Instant;

    use super::*;

    /// A clock the test moves by hand.
    struct FakeClock(AtomicI64);

    impl Clock for FakeClock {
        fn now_ns(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// Counts expirations and notifications.
    #[derive(Default)]
    struct Counter {
        expirations: AtomicU64,
        notifications: AtomicU64,
    }

    impl Listener for Arc<Counter> {
        fn notify(&self, expirations: u64, _: Setting) -> Option<Setting> {
            self.expirations.fetch_add(expirations, Ordering::SeqCst);
            self.notifications.fetch_add(1, Ordering::SeqCst);
            None
        }
    }

    fn fake(t: i64) -> Arc<FakeClock> {
        Arc::new(FakeClock(AtomicI64::new(t)))
    }

    /// Polls `what` until it holds; fails the test after 10 s.
    pub(crate) fn wait_for(what: impl Fn() -> bool) {
        let until = Instant::now() + Duration::from_secs(10);
        while !what() {
            assert!(Instant::now() < until, "timed out");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn settings_count_expirations_and_overruns() {
        let s = Setting::new(100, 0, false, 1000);
        assert_eq!(s, Setting { enabled: true, next: 1100, period: 0 });
        assert_eq!(s.at(1099), (s, 0));
        assert_eq!(s.at(5000), (Setting { enabled: false, next: 1100, period: 0 }, 1));
        let p = Setting::new(50, 10, true, 0);
        assert_eq!(p.at(50), (Setting { next: 60, ..p }, 1));
        assert_eq!(p.at(89), (Setting { next: 90, ..p }, 4));
        assert_eq!(p.remaining(45), (5, 10));
        assert_eq!(p.remaining(80), (1, 10), "armed and due reads as 1 ns");
        let off = Setting::new(0, 7, false, 0);
        assert!(!off.enabled);
        assert_eq!(off.remaining(123), (0, 7));
        assert_eq!(off.at(i64::MAX), (off, 0));
        // Hostile extremes saturate instead of overflowing.
        let huge = Setting::new(i64::MAX, 1, false, i64::MAX - 1);
        assert_eq!(huge.next, i64::MAX);
        let (s, n) = Setting::new(1, 1, true, 0).at(i64::MAX);
        assert_eq!((s.next, n), (i64::MAX, i64::MAX as u64));
    }

    #[test]
    fn reads_and_swaps_process_due_expirations() {
        let svc = TimerService::new().unwrap();
        let clock = fake(0);
        let c = Arc::new(Counter::default());
        let t = Timer::new(&svc, clock.clone(), Box::new(c.clone()));
        let (now, old) = t.swap(Setting::new(10, 10, false, 0));
        assert_eq!((now, old.enabled), (0, false));
        clock.0.store(35, Ordering::SeqCst);
        let (_, s) = t.get();
        assert_eq!((s.next, c.expirations.load(Ordering::SeqCst)), (40, 3));
        assert_eq!(c.notifications.load(Ordering::SeqCst), 1, "overruns come in one notification");
        clock.0.store(45, Ordering::SeqCst);
        let (_, old) = t.swap(Setting::default());
        assert_eq!((old.next, c.expirations.load(Ordering::SeqCst)), (50, 4));
        // A setting already due fires during the swap.
        t.swap(Setting::new(5, 0, true, 45));
        assert_eq!(c.expirations.load(Ordering::SeqCst), 5);
        assert!(!t.get().1.enabled);
    }

    #[test]
    fn the_service_fires_timers_on_any_clock() {
        let svc = TimerService::new().unwrap();
        let clock = fake(0);
        let (a, b) = (Arc::new(Counter::default()), Arc::new(Counter::default()));
        let ta = Timer::new(&svc, clock.clone(), Box::new(a.clone()));
        let tb = Timer::new(&svc, clock.clone(), Box::new(b.clone()));
        ta.swap(Setting::new(100, 0, false, 0));
        tb.swap(Setting::new(200, 0, false, 0));
        clock.0.store(150, Ordering::SeqCst);
        svc.poke();
        wait_for(|| a.expirations.load(Ordering::SeqCst) == 1);
        assert_eq!(b.expirations.load(Ordering::SeqCst), 0);
        clock.0.store(250, Ordering::SeqCst);
        svc.poke();
        wait_for(|| b.expirations.load(Ordering::SeqCst) == 1);
        // A real clock, with a periodic timer: it keeps firing by itself.
        struct Mono(Instant);
        impl Clock for Mono {
            fn now_ns(&self) -> i64 {
                self.0.elapsed().as_nanos() as i64
            }
        }
        let mono: Arc<dyn Clock> = Arc::new(Mono(Instant::now()));
        let c = Arc::new(Counter::default());
        let t = Timer::new(&svc, mono, Box::new(c.clone()));
        t.swap(Setting::new(1_000_000, 1_000_000, false, 0));
        wait_for(|| c.expirations.load(Ordering::SeqCst) >= 5);
        drop(t);
        let seen = c.expirations.load(Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(c.expirations.load(Ordering::SeqCst), seen, "a dropped timer never fires");
        // A 1 ns period is served in batches, and counted exactly.
        let t = Timer::new(&svc, clock.clone(), Box::new(c.clone()));
        let base = clock.now_ns();
        t.swap(Setting::new(1, 1, false, base));
        let queued = t.shared.state.lock().queued.unwrap();
        assert!(queued >= base + MIN_WAKE_NS, "a tiny period wakes the service at most every 100 us");
        clock.0.store(base + 1000, Ordering::SeqCst);
        let before = c.expirations.load(Ordering::SeqCst);
        t.get();
        assert_eq!(c.expirations.load(Ordering::SeqCst) - before, 1000);
        drop(t);
        assert!(svc.shared.queue.lock().clocks.iter().all(|(_, q)| q.is_empty()));
    }

    #[test]
    fn paused_timers_and_a_paused_service_fire_on_resume() {
        const MS: i64 = 1_000_000;
        let svc = TimerService::new().unwrap();
        let clock = fake(0);
        let c = Arc::new(Counter::default());
        let t = Timer::new(&svc, clock.clone(), Box::new(c.clone()));
        t.swap(Setting::new(MS * 10, MS * 10, false, 0));
        t.pause();
        t.pause();
        clock.0.store(MS * 55, Ordering::SeqCst);
        svc.poke();
        assert_eq!(t.get().1.next, MS * 10, "a paused timer does not advance");
        assert_eq!(c.expirations.load(Ordering::SeqCst), 0);
        t.resume();
        assert_eq!(c.expirations.load(Ordering::SeqCst), 5);
        assert_eq!(t.get().1.next, MS * 60);
        svc.pause();
        clock.0.store(MS * 65, Ordering::SeqCst);
        svc.poke();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(c.expirations.load(Ordering::SeqCst), 5, "a paused service fires nothing");
        svc.resume();
        wait_for(|| c.expirations.load(Ordering::SeqCst) == 6);
    }

    #[test]
    fn a_listener_can_replace_the_setting() {
        struct StopAfter(AtomicU64);
        impl Listener for Arc<StopAfter> {
            fn notify(&self, n: u64, s: Setting) -> Option<Setting> {
                (self.0.fetch_add(n, Ordering::SeqCst) + n >= 2).then_some(Setting { enabled: false, ..s })
            }
        }
        let svc = TimerService::new().unwrap();
        let clock = fake(0);
        let l = Arc::new(StopAfter(AtomicU64::new(0)));
        let t = Timer::new(&svc, clock.clone(), Box::new(l.clone()));
        t.swap(Setting::new(1, 1, false, 0));
        clock.0.store(1, Ordering::SeqCst);
        assert!(t.get().1.enabled);
        clock.0.store(2, Ordering::SeqCst);
        assert!(!t.get().1.enabled);
        assert_eq!(l.0.load(Ordering::SeqCst), 2);
    }
}
