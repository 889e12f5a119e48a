//! A task's side of signals: taking pending signals on the way back to
//! the app (Linux's `get_signal` and `handle_signal`), building the
//! handler's frame, `rt_sigreturn`, the restart of interrupted system
//! calls, faults, and group stops.

use abi::errno::{EFAULT, EINTR, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, ERESTART_RESTARTBLOCK};
use abi::regs::Regs;
use abi::signal::{code, sa, sig, SigAction, SigInfo, SigSet, SIG_DFL, SIG_IGN};
use abi::{sysno, Errno, Pod};

use super::signal::{default_action, DefaultAction, ThreadSignals};
use super::signal_frame::{self, AltStack, RtSigframe};
use super::task::Task;

/// The system call number a task is sent back to make when it must stop
/// in a signal frame after a call that came without one (the fast path):
/// its `syscall` instruction runs again, traps, and the sentry puts back
/// the registers the call had returned with. No Linux number, and clear
/// of the x32 bit (the host kills a call that has it).
pub const RETRAP_NR: u64 = 0x0bc0_0001;

impl Task {
    /// Registers this thread in its process's signal state with `mask`.
    pub(super) fn register_signals(&self, mask: SigSet) {
        let entry = ThreadSignals::new(mask, self.waiter.clone(), self.ctx.kicker());
        self.tg.signals.lock().threads.insert(self.tid, entry);
    }

    /// Removes this thread from its process's signal state; signals
    /// pending for the process go to the threads that remain.
    pub(super) fn unregister_signals(&self) {
        let mut s = self.tg.signals.lock();
        s.threads.remove(&self.tid);
        s.wake_takers();
    }

    /// The thread's blocked signals.
    pub fn sigmask(&self) -> SigSet {
        self.tg.signals.lock().threads.get(&self.tid).map_or(SigSet(0), |t| t.mask)
    }

    /// Sets the thread's blocked signals (SIGKILL and SIGSTOP never are).
    /// With `save`, the old mask is kept to be restored when the current
    /// call ends: after the handler it lets run, or at once if none.
    pub fn set_sigmask(&self, mask: SigSet, save: bool) {
        let mut s = self.tg.signals.lock();
        if let Some(t) = s.threads.get_mut(&self.tid) {
            if save && t.saved_mask.is_none() {
                t.saved_mask = Some(t.mask);
            }
            t.mask = mask.blockable();
        }
        s.recalc(self.tid);
    }

    /// Puts back a mask [`Task::set_sigmask`] saved, unless a handler is
    /// about to run (`interrupted`): then the frame saves it instead.
    pub fn restore_saved_sigmask(&self, interrupted: bool) {
        if interrupted && self.waiter.is_interrupted() {
            return;
        }
        let mut s = self.tg.signals.lock();
        let Some(t) = s.threads.get_mut(&self.tid) else { return };
        if let Some(old) = t.saved_mask.take() {
            t.mask = old;
            s.recalc(self.tid);
        }
    }

    /// Marks the signals `rt_sigtimedwait` is about to unblock for its
    /// wait as awaited: their arrival then ends the wait rather than the
    /// process (empty: the wait is over).
    pub fn set_awaited(&self, set: SigSet) {
        if let Some(t) = self.tg.signals.lock().threads.get_mut(&self.tid) {
            t.awaited = set;
        }
    }

    /// The thread's parent-death signal (`PR_GET_PDEATHSIG`).
    pub fn pdeathsig(&self) -> i32 {
        self.tg.signals.lock().threads.get(&self.tid).map_or(0, |t| t.pdeathsig)
    }

    /// Sets the thread's parent-death signal (0: none).
    pub fn set_pdeathsig(&self, signo: i32) {
        if let Some(t) = self.tg.signals.lock().threads.get_mut(&self.tid) {
            t.pdeathsig = signo;
        }
    }

    /// Whether a signal is pending for this thread (or it must stop or
    /// exit): what makes blocking calls end with `EINTR`.
    pub fn signal_pending(&self) -> bool {
        self.waiter.is_interrupted()
    }

    /// Queues `info` for this thread, forced through as Linux's
    /// `force_sig_info` does for faults: a blocked or ignored signal is
    /// unblocked and its action reset to the default.
    pub fn force_signal(&mut self, info: SigInfo) {
        let signo = info.signo;
        {
            let mut s = self.tg.signals.lock();
            let blocked = s.threads.get(&self.tid).is_some_and(|t| t.mask.has(signo));
            if blocked || s.action(signo).handler == SIG_IGN {
                s.actions[signo as usize - 1].handler = SIG_DFL;
                if let Some(t) = s.threads.get_mut(&self.tid) {
                    t.mask.0 &= !SigSet::of(signo).0;
                }
            }
        }
        if self.tg.queue_signal(info, Some(self.tid)).is_err() {
            // Only a queue overflow can refuse it: end as the signal would.
            self.exit_group(self.tg.killed_status(signo));
        }
    }

    /// A write to a pipe (or a host pipe) failed: `EPIPE` comes with a
    /// `SIGPIPE` for the writing thread, as Linux sends it.
    pub fn note_write_error(&mut self, e: Errno) {
        if e == abi::errno::EPIPE {
            let info = SigInfo::from_process(sig::SIGPIPE, code::SI_USER, self.tg.tgid, self.tg.creds.lock().uid);
            let _ = self.tg.queue_signal(info, Some(self.tid));
        }
    }

    /// Notes how the system call just served is to be restarted if a
    /// signal comes before the thread returns to the app: `code` is one of
    /// Linux's `ERESTART*` errors, `nr` the call.
    pub fn set_restart(&mut self, code: Errno, nr: u64) {
        self.restart = Some((code, nr));
    }

    /// Takes the signals this thread can take now, before it returns to
    /// the app: each either does nothing, stops the process, ends it, or
    /// runs a handler (each further handler nests on the previous frame,
    /// as Linux's do). Then restarts an interrupted system call as the
    /// outcome requires.
    pub fn handle_signals(&mut self) {
        if !self.waiter.is_interrupted() && self.restart.is_none() {
            return;
        }
        if self.waiter.is_interrupted() && self.ctx.entered_fast() && self.retrap.is_none() {
            // A handler frame needs the FP state, which only a trap's
            // signal frame carries: let the call's `syscall` instruction
            // trap once more, with its result kept aside.
            self.retrap = Some(self.ctx.regs);
            self.ctx.regs.rip = self.ctx.regs.rip.wrapping_sub(2);
            self.ctx.regs.rax = RETRAP_NR;
            return;
        }
        let mut handled = false;
        while !self.exiting() {
            let next = {
                let mut s = self.tg.signals.lock();
                if s.stop.signo.is_some() {
                    drop(s);
                    self.group_stop();
                    continue;
                }
                let Some(mask) = s.threads.get(&self.tid).map(|t| t.mask) else { break };
                match s.dequeue(self.tid, SigSet(!mask.0)) {
                    Some(info) => Some((info, s.action(info.signo))),
                    None => {
                        s.recalc(self.tid);
                        None
                    }
                }
            };
            let Some((info, action)) = next else { break };
            let signo = info.signo;
            match action.handler {
                SIG_IGN => {}
                SIG_DFL => match default_action(signo) {
                    DefaultAction::Ignore | DefaultAction::Continue => {}
                    // The terminal's stops do nothing to an orphaned group.
                    DefaultAction::Stop if signo != sig::SIGSTOP && self.kernel.tasks.group_is_orphaned(self.tg.tgid) => {}
                    DefaultAction::Stop => self.begin_group_stop(signo),
                    DefaultAction::Terminate | DefaultAction::Core => {
                        self.exit_group(self.tg.killed_status(signo));
                        return;
                    }
                },
                handler => {
                    if !handled {
                        self.restart_syscall(Some(&action));
                        handled = true;
                    }
                    if self.setup_frame(&info, &action, handler).is_err() {
                        self.force_sigsegv(signo);
                    }
                }
            }
        }
        if !handled {
            self.restart_syscall(None);
            self.restore_saved_sigmask(false);
        }
    }

    fn exiting(&self) -> bool {
        self.thread_exit.is_some() || self.tg.exit_status().is_some()
    }

    /// Linux's restart rules for a call that ended with an `ERESTART*`
    /// error, given the action of the handler about to run (if any).
    fn restart_syscall(&mut self, action: Option<&SigAction>) {
        let Some((code, nr)) = self.restart.take() else { return };
        let restart = match (code, action) {
            (ERESTARTNOINTR, _) => true,
            (ERESTARTSYS, Some(a)) => a.flags & sa::RESTART != 0,
            (ERESTARTSYS | ERESTARTNOHAND, None) => true,
            (ERESTART_RESTARTBLOCK, None) => {
                self.ctx.regs.rax = sysno::RESTART_SYSCALL as u64;
                self.ctx.regs.rip = self.ctx.regs.rip.wrapping_sub(2);
                return;
            }
            _ => false,
        };
        if restart {
            self.ctx.regs.rax = nr;
            self.ctx.regs.rip = self.ctx.regs.rip.wrapping_sub(2);
        } else {
            self.ctx.regs.rax = EINTR.to_ret() as u64;
        }
    }

    /// A frame could not be built (a bad stack): SIGSEGV, which kills
    /// unless its own handler can run (Linux's `force_sigsegv`).
    fn force_sigsegv(&mut self, failed: i32) {
        if failed == sig::SIGSEGV {
            self.tg.signals.lock().actions[sig::SIGSEGV as usize - 1].handler = SIG_DFL;
        }
        self.force_signal(SigInfo::new(sig::SIGSEGV, code::SI_KERNEL));
    }

    /// Builds the frame for `handler` on the app's stack (or its alternate
    /// stack) and points the thread at the handler, with the handler's
    /// mask in force. `Err` when the stack cannot hold the frame.
    fn setup_frame(&mut self, info: &SigInfo, action: &SigAction, handler: u64) -> Result<(), Errno> {
        if action.flags & sa::RESTORER == 0 {
            // x86_64 has no kernel-provided restorer.
            return Err(EFAULT);
        }
        let regs = self.ctx.regs;
        let fp = self.ctx.fpstate().unwrap_or_default();
        let switch = action.flags & sa::ONSTACK != 0 && self.altstack.mode_at(regs.rsp) == 0;
        let top = if switch { self.altstack.sp.wrapping_add(self.altstack.size) } else { regs.rsp };
        let layout = signal_frame::layout(top, switch, fp.len().max(1)).ok_or(EFAULT)?;
        let on_altstack = switch || self.altstack.contains(regs.rsp);
        if on_altstack && !self.altstack.spans(layout.frame) {
            return Err(EFAULT);
        }
        let (mask, saved) = {
            let mut s = self.tg.signals.lock();
            let t = s.threads.get_mut(&self.tid).ok_or(EFAULT)?;
            (t.mask, t.saved_mask.take())
        };
        let mut uc_flags = abi::signal::uc::SIGCONTEXT_SS | abi::signal::uc::STRICT_RESTORE_SS;
        if signal_frame::has_xstate(&fp, fp.len()) {
            uc_flags |= abi::signal::uc::FP_XSTATE;
        }
        let old_mask = saved.unwrap_or(mask);
        let mut frame = RtSigframe {
            pretcode: action.restorer,
            uc: abi::signal::UContext {
                flags: uc_flags,
                link: 0,
                stack: self.altstack.saved(),
                regs: Regs { oldmask: old_mask.0, ..regs },
                fpstate: if fp.is_empty() { 0 } else { layout.fpstate },
                reserved: [0; 8],
                sigmask: old_mask,
            },
            info: SigInfo::zeroed(),
        };
        if action.flags & sa::SIGINFO != 0 {
            frame.info = *info;
        }
        // One write from the frame to the end of the FP area.
        let mut bytes = frame.as_bytes().to_vec();
        if !fp.is_empty() {
            bytes.resize((layout.fpstate - layout.frame) as usize, 0);
            bytes.extend_from_slice(&fp);
        }
        self.copy_out(layout.frame, &bytes)?;
        if self.altstack.flags & abi::signal::SS_AUTODISARM != 0 {
            self.altstack = AltStack::DISABLED;
        }
        self.ctx.regs = signal_frame::handler_regs(&regs, handler, layout.frame, info.signo);
        self.ctx.reset_fpu_on_resume();
        let mut s = self.tg.signals.lock();
        if let Some(t) = s.threads.get_mut(&self.tid) {
            t.mask.0 |= action.mask.0;
            if action.flags & sa::NODEFER == 0 {
                t.mask.0 |= SigSet::of(info.signo).0;
            }
            t.mask = t.mask.blockable();
        }
        if action.flags & sa::RESETHAND != 0 {
            s.actions[info.signo as usize - 1].handler = SIG_DFL;
        }
        s.recalc(self.tid);
        Ok(())
    }

    /// `rt_sigreturn`: restores the context the frame at the stack pointer
    /// (less the popped return address) saved. A frame that cannot be read
    /// or holds an FP state the CPU would refuse gets SIGSEGV, as on Linux.
    /// Returns the restored `rax`.
    pub fn sigreturn(&mut self) -> Result<u64, Errno> {
        match self.restore_frame() {
            Ok(rax) => Ok(rax),
            Err(()) => {
                self.force_signal(SigInfo::new(sig::SIGSEGV, code::SI_KERNEL));
                Ok(self.ctx.regs.rax)
            }
        }
    }

    fn restore_frame(&mut self) -> Result<u64, ()> {
        let frame = self.ctx.regs.rsp.wrapping_sub(8);
        let uc: abi::signal::UContext = self.read_obj(frame.wrapping_add(signal_frame::UC_OFFSET)).map_err(|_| ())?;
        let host = self.ctx.fpstate();
        if uc.fpstate == 0 {
            self.ctx.reset_fpu_on_resume();
        } else if let Some(host) = host {
            use abi::signal::fpstate as fp;
            let mut app = vec![0u8; host.len()];
            let legacy = app.len().min(fp::FXSAVE_SIZE);
            self.copy_in(uc.fpstate, &mut app[..legacy]).map_err(|_| ())?;
            // Read the rest only if the app's area says it has it: a
            // legacy-only area may sit at the very end of its memory.
            let magic = u32::from_le_bytes(app[fp::SW_MAGIC1..fp::SW_MAGIC1 + 4].try_into().expect("4 bytes"));
            if app.len() > legacy && magic == fp::FP_XSTATE_MAGIC1 {
                self.copy_in(uc.fpstate.wrapping_add(legacy as u64), &mut app[legacy..]).map_err(|_| ())?;
            } else {
                app.truncate(legacy);
            }
            let state = signal_frame::sanitize_fpstate(&app, &host).ok_or(())?;
            if !self.ctx.set_fpstate(&state) {
                return Err(());
            }
        }
        let regs = signal_frame::restored_regs(&self.ctx.regs, &uc.regs);
        self.ctx.regs = regs;
        self.set_sigmask(uc.sigmask, false);
        // Linux restores the alternate stack from the frame, ignoring
        // every error but a fault (which the read above already caught).
        let _ = self.change_altstack(&uc.stack, regs.rsp);
        Ok(regs.rax)
    }

    /// `sigaltstack`'s change, with `sp` the stack pointer it is judged by.
    pub fn change_altstack(&mut self, ss: &abi::signal::StackT, sp: u64) -> Result<(), Errno> {
        use abi::signal::{MINSIGSTKSZ, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};
        if self.altstack.contains(sp) {
            return Err(abi::errno::EPERM);
        }
        let mode = ss.flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(abi::errno::EINVAL);
        }
        self.altstack = if mode == SS_DISABLE {
            AltStack { sp: 0, size: 0, flags: ss.flags }
        } else {
            if ss.size < MINSIGSTKSZ {
                return Err(abi::errno::ENOMEM);
            }
            AltStack { sp: ss.sp, size: ss.size, flags: ss.flags }
        };
        Ok(())
    }

    /// Starts a group stop of this thread's process for `signo` (its
    /// default action), unless one is in force already.
    fn begin_group_stop(&mut self, signo: i32) {
        let mut s = self.tg.signals.lock();
        if s.stop.signo.is_none() && !s.exiting {
            s.stop.signo = Some(signo);
            s.stop.stopped = 0;
            s.interrupt_all();
        }
    }

    /// Takes part in the group stop in force: counts this thread as
    /// stopped (the last one tells the parent), then waits until a
    /// `SIGCONT` or the process's exit ends the stop.
    fn group_stop(&mut self) {
        let report = {
            let mut s = self.tg.signals.lock();
            let Some(signo) = s.stop.signo else { return };
            s.stop.stopped += 1;
            let last = s.stop.stopped == s.threads.len();
            if last {
                s.stop.report_stop = Some(signo);
            }
            last.then_some(signo)
        };
        if let Some(signo) = report {
            self.kernel.tasks.notify_parent(&self.tg, code::CLD_STOPPED, signo);
        }
        self.stopped.store(true, std::sync::atomic::Ordering::SeqCst);
        // A stopped task does not run (no lock held: see `cpu_clock`).
        self.cpu.stop_running();
        let mut s = self.tg.signals.lock();
        while s.stop.signo.is_some() && !s.exiting {
            self.tg.stop_ended.wait(&mut s);
        }
        drop(s);
        self.cpu.start_running();
        self.stopped.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}
