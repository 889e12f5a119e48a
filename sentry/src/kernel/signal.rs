//! Signals in the model: dispositions, pending queues, masks, sending,
//! and group stops.
//!
//! A process's [`SignalState`] (under `ThreadGroup::signals`) holds its
//! actions, the signals pending for the whole process, and each thread's
//! mask and private pending signals, as Linux keeps them under its
//! `siglock`. A thread has a signal to take when one pending for it or for
//! its process is not blocked; the thread's [`Waiter`] interruption flag
//! says so (Linux's `TIF_SIGPENDING`), set by senders and recomputed by
//! the thread under the same lock, so that no signal is ever missed and a
//! blocking wait ends as soon as one arrives. Delivery to handlers is in
//! [`super::signal_frame`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use abi::errno::{EAGAIN, EINVAL};
use abi::signal::{code, sa, sig, SigAction, SigInfo, SigSet, NSIG, SIG_DFL, SIG_IGN};
use abi::Errno;
use interposer::Kicker;

use crate::waiter::Waiter;

/// What a signal does when its action is `SIG_DFL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultAction {
    /// End the process.
    Terminate,
    /// End the process, dumping core (no core file is written).
    Core,
    /// Nothing.
    Ignore,
    /// Stop the process.
    Stop,
    /// Continue a stopped process (and otherwise nothing).
    Continue,
}

/// The default action of `signo` (Linux's `signal(7)` table).
pub fn default_action(signo: i32) -> DefaultAction {
    use DefaultAction::*;
    match signo {
        sig::SIGCHLD | sig::SIGURG | sig::SIGWINCH => Ignore,
        sig::SIGCONT => Continue,
        sig::SIGSTOP | sig::SIGTSTP | sig::SIGTTIN | sig::SIGTTOU => Stop,
        sig::SIGQUIT | sig::SIGILL | sig::SIGTRAP | sig::SIGABRT | sig::SIGBUS | sig::SIGFPE | sig::SIGSEGV | sig::SIGXCPU | sig::SIGXFSZ
        | sig::SIGSYS => Core,
        _ => Terminate,
    }
}

/// The stop signals.
pub const STOP_SIGNALS: SigSet =
    SigSet(SigSet::of(sig::SIGSTOP).0 | SigSet::of(sig::SIGTSTP).0 | SigSet::of(sig::SIGTTIN).0 | SigSet::of(sig::SIGTTOU).0);

/// The synchronous (fault) signals, which Linux takes before any other.
const SYNCHRONOUS: SigSet = SigSet(
    SigSet::of(sig::SIGSEGV).0
        | SigSet::of(sig::SIGBUS).0
        | SigSet::of(sig::SIGILL).0
        | SigSet::of(sig::SIGTRAP).0
        | SigSet::of(sig::SIGFPE).0
        | SigSet::of(sig::SIGSYS).0,
);

/// Whether `signo` is a real-time signal (queued, not coalesced).
pub fn is_realtime(signo: i32) -> bool {
    signo >= sig::SIGRTMIN
}

/// Whether `signo` is a valid signal number.
pub fn valid(signo: i32) -> bool {
    (1..=NSIG).contains(&signo)
}

/// Signals pending for a thread or a process, with their siginfo.
#[derive(Default, Clone)]
pub struct Pending {
    /// Which signals are pending.
    set: SigSet,
    /// Their siginfo in arrival order: one per standard signal, any number
    /// per real-time signal.
    queue: VecDeque<SigInfo>,
}

impl Pending {
    /// The pending set.
    pub fn set(&self) -> SigSet {
        self.set
    }

    /// Adds a signal; returns false when a standard signal of that number
    /// was already pending (it coalesces).
    fn push(&mut self, info: SigInfo) -> bool {
        if self.set.has(info.signo) && !is_realtime(info.signo) {
            return false;
        }
        self.set.0 |= SigSet::of(info.signo).0;
        self.queue.push_back(info);
        true
    }

    /// The signal Linux's `next_signal` takes among `allowed`: a pending
    /// synchronous signal first, else the lowest number.
    fn next(&self, allowed: SigSet) -> Option<i32> {
        let ready = self.set.0 & allowed.0;
        let pick = if ready & SYNCHRONOUS.0 != 0 { ready & SYNCHRONOUS.0 } else { ready };
        (pick != 0).then(|| pick.trailing_zeros() as i32 + 1)
    }

    /// Removes the oldest instance of `signo`.
    fn take(&mut self, signo: i32) -> Option<SigInfo> {
        let at = self.queue.iter().position(|i| i.signo == signo)?;
        let info = self.queue.remove(at);
        if !self.queue.iter().any(|i| i.signo == signo) {
            self.set.0 &= !SigSet::of(signo).0;
        }
        info
    }

    /// Drops every pending signal in `set`; returns how many were queued.
    fn discard(&mut self, set: SigSet) -> usize {
        let before = self.queue.len();
        self.queue.retain(|i| !set.has(i.signo));
        self.set.0 &= !set.0;
        before - self.queue.len()
    }
}

/// One thread's part of its process's signal state.
pub struct ThreadSignals {
    /// Blocked signals.
    pub mask: SigSet,
    /// The mask to restore when the current `sigsuspend`, `ppoll` or
    /// `pselect6` ends (after any handler it let run), as Linux's
    /// `saved_sigmask`.
    pub saved_mask: Option<SigSet>,
    /// Signals pending for this thread alone.
    pub pending: Pending,
    /// The signals `rt_sigtimedwait` unblocked for its wait: still blocked
    /// as far as a fatal default action goes (Linux's `real_blocked`).
    pub awaited: SigSet,
    /// The signal its process gets when its parent dies (`PR_SET_PDEATHSIG`).
    pub pdeathsig: i32,
    waiter: Arc<Waiter>,
    kicker: Kicker,
}

impl ThreadSignals {
    /// A thread's entry: `mask` blocked, nothing pending.
    pub fn new(mask: SigSet, waiter: Arc<Waiter>, kicker: Kicker) -> ThreadSignals {
        ThreadSignals { mask, saved_mask: None, pending: Pending::default(), awaited: SigSet(0), pdeathsig: 0, waiter, kicker }
    }

    /// Makes the thread notice its signals: ends its wait, or stops it in
    /// app code.
    fn interrupt(&self) {
        self.waiter.interrupt();
        self.kicker.kick();
    }
}

/// A process's group stop (`SIGSTOP` and the other stop signals).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GroupStop {
    /// The signal that stopped the process, while it is stopping or stopped.
    pub signo: Option<i32>,
    /// How many of its threads have stopped.
    pub stopped: usize,
    /// A stop the parent's `wait(WUNTRACED)` has not consumed yet.
    pub report_stop: Option<i32>,
    /// A continue the parent's `wait(WCONTINUED)` has not consumed yet.
    pub report_continue: bool,
}

/// What a send did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// The signal is now pending (not dropped as ignored, nor coalesced).
    pub queued: bool,
    /// It was a `SIGCONT` that resumed a stopped process, which the
    /// sender must tell the parent of once its locks are released.
    pub continued: bool,
}

/// The signal state of a process (Linux's `sighand` and `signal` parts).
pub struct SignalState {
    /// The action of each signal, indexed by `signo - 1`.
    pub actions: [SigAction; NSIG as usize],
    /// Signals pending for the process as a whole.
    pub shared: Pending,
    /// Each live thread's mask and pending signals, by thread id.
    pub threads: BTreeMap<i32, ThreadSignals>,
    /// The group stop in progress or in force.
    pub stop: GroupStop,
    /// Set when the process begins to exit: stopped threads must go.
    pub exiting: bool,
    /// Signals queued with a siginfo, counted against `RLIMIT_SIGPENDING`.
    queued: usize,
}

/// How a signal was sent: which thread it is for, if one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The process: any thread that does not block it takes it.
    Process,
    /// One thread.
    Thread(i32),
}

impl SignalState {
    /// A state with every action `SIG_DFL` and no threads.
    pub fn new() -> SignalState {
        SignalState::with_actions([SigAction::default(); NSIG as usize])
    }

    /// A state with the given actions and no threads (for `fork`).
    pub fn with_actions(actions: [SigAction; NSIG as usize]) -> SignalState {
        SignalState { actions, shared: Pending::default(), threads: BTreeMap::new(), stop: GroupStop::default(), exiting: false, queued: 0 }
    }

    /// The action of `signo`.
    pub fn action(&self, signo: i32) -> SigAction {
        self.actions[signo as usize - 1]
    }

    /// Whether `signo` would be dropped at once: ignored, and neither
    /// blocked by `mask` (a blocked signal stays pending, since the action
    /// may change before it is unblocked) nor in `awaited`, the set the
    /// thread waits for in `sigtimedwait` with it unblocked meanwhile
    /// (what Linux's `real_blocked` keeps).
    fn ignored(&self, signo: i32, mask: SigSet, awaited: SigSet) -> bool {
        if mask.has(signo) || awaited.has(signo) {
            return false;
        }
        let a = self.action(signo);
        a.handler == SIG_IGN || (a.handler == SIG_DFL && default_action(signo) == DefaultAction::Ignore)
    }

    /// Queues `info` for `target`, as Linux's `send_signal`: stop and
    /// continue signals cancel each other, ignored signals are dropped,
    /// standard signals coalesce and real-time ones queue up to
    /// `sigpending_limit`; then a thread that can take it is interrupted.
    /// `EINVAL` for a thread that is gone.
    pub fn send(&mut self, info: SigInfo, target: Target, sigpending_limit: u64) -> Result<Sent, Errno> {
        let signo = info.signo;
        let (mask, awaited) = match target {
            Target::Thread(tid) => self.threads.get(&tid).map(|t| (t.mask, t.awaited)).ok_or(EINVAL)?,
            // Linux looks at the mask of the thread the PID names: the leader.
            Target::Process => self.threads.values().next().map_or((SigSet(0), SigSet(0)), |t| (t.mask, t.awaited)),
        };
        let mut sent = Sent::default();
        if STOP_SIGNALS.has(signo) {
            self.discard_everywhere(SigSet::of(sig::SIGCONT));
        } else if signo == sig::SIGCONT {
            self.discard_everywhere(STOP_SIGNALS);
            sent.continued = self.resume_stop();
        }
        if self.ignored(signo, mask, awaited) {
            return Ok(sent);
        }
        let queued_info = info.code != code::SI_KERNEL || is_realtime(signo);
        if is_realtime(signo) && info.code != code::SI_KERNEL && self.queued as u64 >= sigpending_limit {
            return Err(EAGAIN);
        }
        let pending = match target {
            Target::Thread(tid) => &mut self.threads.get_mut(&tid).ok_or(EINVAL)?.pending,
            Target::Process => &mut self.shared,
        };
        if !pending.push(info) {
            return Ok(sent);
        }
        if queued_info {
            self.queued += 1;
        }
        self.wake_for(signo, target);
        sent.queued = true;
        Ok(sent)
    }

    /// Interrupts a thread that can take `signo`: the target thread, or
    /// for a process-directed signal the first that does not block it.
    fn wake_for(&self, signo: i32, target: Target) {
        let can_take = |t: &ThreadSignals| !t.mask.has(signo);
        match target {
            Target::Thread(tid) => {
                if let Some(t) = self.threads.get(&tid).filter(|t| can_take(t)) {
                    t.interrupt();
                }
            }
            Target::Process => {
                if let Some(t) = self.threads.values().find(|t| can_take(t)) {
                    t.interrupt();
                }
            }
        }
    }

    /// Interrupts every thread (a fatal signal, a group stop, a continue).
    pub fn interrupt_all(&self) {
        for t in self.threads.values() {
            t.interrupt();
        }
    }

    fn discard_everywhere(&mut self, set: SigSet) {
        let mut n = self.shared.discard(set);
        for t in self.threads.values_mut() {
            n += t.pending.discard(set);
        }
        self.queued = self.queued.saturating_sub(n);
    }

    /// Drops pending instances of `signo` (its action became "ignore").
    pub fn discard(&mut self, signo: i32) {
        self.discard_everywhere(SigSet::of(signo));
    }

    /// Ends a group stop (a `SIGCONT` arrived); returns whether the
    /// process was stopped.
    fn resume_stop(&mut self) -> bool {
        let was_stopped = self.stop.signo.is_some();
        if was_stopped || self.stop.report_stop.is_some() {
            self.stop = GroupStop { signo: None, stopped: 0, report_stop: None, report_continue: was_stopped };
            self.interrupt_all();
        }
        was_stopped
    }

    /// The signals thread `tid` could take now.
    pub fn deliverable(&self, tid: i32) -> SigSet {
        let Some(t) = self.threads.get(&tid) else { return SigSet(0) };
        SigSet((t.pending.set.0 | self.shared.set.0) & !t.mask.0)
    }

    /// Takes the next signal thread `tid` may take among `allowed`: its
    /// own pending ones first, then its process's.
    pub fn dequeue(&mut self, tid: i32, allowed: SigSet) -> Option<SigInfo> {
        let t = self.threads.get_mut(&tid)?;
        let info = match t.pending.next(allowed) {
            Some(signo) => t.pending.take(signo),
            None => {
                let signo = self.shared.next(allowed)?;
                self.shared.take(signo)
            }
        }?;
        if info.code != code::SI_KERNEL || is_realtime(info.signo) {
            self.queued = self.queued.saturating_sub(1);
        }
        Some(info)
    }

    /// Sets the interruption flag of thread `tid` exactly when it has a
    /// signal to take (or must stop or exit): after its mask changed or it
    /// took a signal. Only the thread itself may call this (clearing the
    /// flag of a thread asleep elsewhere could lose its wake-up).
    pub fn recalc(&self, tid: i32) {
        let Some(t) = self.threads.get(&tid) else { return };
        if self.deliverable(tid).0 != 0 || self.stop.signo.is_some() || self.exiting {
            t.waiter.interrupt();
        } else {
            t.waiter.clear_interrupt();
        }
    }

    /// Interrupts every thread that can take a signal pending for the
    /// process (one of them left, and they are to take over).
    pub fn wake_takers(&self) {
        for (&tid, t) in &self.threads {
            if self.deliverable(tid).0 & self.shared.set.0 != 0 {
                t.interrupt();
            }
        }
    }

    /// Whether `signo`, taken with its current action, ends the process
    /// (no handler, and its default action terminates).
    pub fn is_fatal(&self, signo: i32) -> bool {
        signo == sig::SIGKILL
            || (self.action(signo).handler == SIG_DFL && matches!(default_action(signo), DefaultAction::Terminate | DefaultAction::Core))
    }

    /// Updates the kick target of thread `tid` (its host thread changed:
    /// `execve`), and moves it to thread id `new_tid`.
    pub fn rebind_thread(&mut self, tid: i32, new_tid: i32, kicker: Kicker) {
        if let Some(mut t) = self.threads.remove(&tid) {
            t.kicker = kicker;
            self.threads.insert(new_tid, t);
        }
    }

    /// `SA_NOCLDSTOP` for `SIGCHLD`: no `SIGCHLD` for children's stops.
    pub fn no_child_stop_signal(&self) -> bool {
        self.action(sig::SIGCHLD).flags & sa::NOCLDSTOP != 0
    }
}

impl Default for SignalState {
    fn default() -> SignalState {
        SignalState::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(signo: i32) -> SigInfo {
        SigInfo::from_process(signo, code::SI_USER, 1, 0)
    }

    #[test]
    fn standard_signals_coalesce_and_realtime_ones_queue_in_order() {
        let mut p = Pending::default();
        assert!(p.push(info(sig::SIGUSR1)));
        assert!(!p.push(info(sig::SIGUSR1)));
        for v in 1..=3 {
            let mut i = info(sig::SIGRTMIN);
            i.set_value(v);
            assert!(p.push(i));
        }
        assert_eq!(p.next(SigSet(u64::MAX)), Some(sig::SIGUSR1));
        assert!(p.take(sig::SIGUSR1).is_some());
        for v in 1..=3 {
            assert_eq!(p.next(SigSet(u64::MAX)), Some(sig::SIGRTMIN));
            assert_eq!(p.take(sig::SIGRTMIN).unwrap().fields[1], v);
        }
        assert_eq!(p.set(), SigSet(0));
    }

    #[test]
    fn synchronous_signals_come_first() {
        let mut p = Pending::default();
        p.push(info(sig::SIGHUP));
        p.push(info(sig::SIGSEGV));
        assert_eq!(p.next(SigSet(u64::MAX)), Some(sig::SIGSEGV));
        assert_eq!(p.next(SigSet(!SigSet::of(sig::SIGSEGV).0)), Some(sig::SIGHUP));
    }

    #[test]
    fn default_actions_follow_signal_7() {
        assert_eq!(default_action(sig::SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(sig::SIGSEGV), DefaultAction::Core);
        assert_eq!(default_action(sig::SIGTERM), DefaultAction::Terminate);
        assert_eq!(default_action(sig::SIGTSTP), DefaultAction::Stop);
        assert_eq!(default_action(sig::SIGCONT), DefaultAction::Continue);
        assert_eq!(default_action(sig::SIGRTMIN + 3), DefaultAction::Terminate);
    }

    #[test]
    fn ignored_signals_are_dropped_unless_blocked() {
        let mut s = SignalState::new();
        assert_eq!(s.send(info(sig::SIGCHLD), Target::Process, 10), Ok(Sent::default()));
        assert_eq!(s.shared.set(), SigSet(0));
        s.actions[sig::SIGUSR1 as usize - 1].handler = SIG_IGN;
        s.send(info(sig::SIGUSR1), Target::Process, 10).unwrap();
        assert_eq!(s.shared.set(), SigSet(0));
        s.send(info(sig::SIGTERM), Target::Process, 10).unwrap();
        assert_eq!(s.shared.set(), SigSet::of(sig::SIGTERM));
        assert_eq!(s.send(info(sig::SIGTERM), Target::Thread(7), 10), Err(EINVAL));
    }

    #[test]
    fn realtime_signals_count_against_the_limit() {
        let mut s = SignalState::new();
        s.send(info(sig::SIGRTMIN), Target::Process, 2).unwrap();
        s.send(info(sig::SIGRTMIN), Target::Process, 2).unwrap();
        assert_eq!(s.send(info(sig::SIGRTMIN), Target::Process, 2), Err(EAGAIN));
        s.discard(sig::SIGRTMIN);
        assert!(s.send(info(sig::SIGRTMIN), Target::Process, 2).is_ok());
    }

    #[test]
    fn stop_and_continue_cancel_each_other() {
        let mut s = SignalState::new();
        s.actions[sig::SIGCONT as usize - 1].handler = 0x1000;
        s.send(info(sig::SIGCONT), Target::Process, 10).unwrap();
        s.send(info(sig::SIGSTOP), Target::Process, 10).unwrap();
        assert_eq!(s.shared.set(), SigSet::of(sig::SIGSTOP));
        s.send(info(sig::SIGCONT), Target::Process, 10).unwrap();
        assert_eq!(s.shared.set(), SigSet::of(sig::SIGCONT));
    }
}
