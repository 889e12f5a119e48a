//! Signal dispositions and masks, recorded in the model (delivery to
//! handlers comes with the signals work).

use abi::errno::EINVAL;
use abi::signal::{how, sa, sig, SigAction, SigSet, NSIG};

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// The size of the kernel's `sigset_t`.
const SIGSET_SIZE: u64 = 8;

/// The flags Linux keeps in an action (`UAPI_SA_FLAGS` with x86's
/// `SA_RESTORER`); others read back as clear.
const KEPT_FLAGS: u64 =
    sa::NOCLDSTOP | sa::NOCLDWAIT | sa::SIGINFO | sa::ONSTACK | sa::RESTART | sa::NODEFER | sa::RESETHAND | sa::RESTORER | sa::UNSUPPORTED;

/// `rt_sigaction(signum, act, oldact, sigsetsize)`.
pub fn rt_sigaction(t: &mut Task, a: Args) -> SysResult {
    if a.u64(3) != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let signo = a.int(0);
    let new = if a.u64(1) != 0 { Some(t.read_obj::<SigAction>(a.u64(1))?) } else { None };
    if !(1..=NSIG).contains(&signo) || (new.is_some() && (signo == sig::SIGKILL || signo == sig::SIGSTOP)) {
        return Err(EINVAL);
    }
    let old = {
        let mut s = t.tg.signals.lock();
        let slot = &mut s.actions[signo as usize - 1];
        let old = *slot;
        if let Some(mut act) = new {
            act.flags &= KEPT_FLAGS & !sa::UNSUPPORTED;
            act.mask = act.mask.blockable();
            *slot = act;
        }
        old
    };
    if a.u64(2) != 0 {
        t.write_obj(a.u64(2), &old)?;
    }
    Ok(0)
}

/// `rt_sigprocmask(how, set, oldset, sigsetsize)`.
pub fn rt_sigprocmask(t: &mut Task, a: Args) -> SysResult {
    if a.u64(3) != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let old = t.signal_mask;
    if a.u64(1) != 0 {
        let set = t.read_obj::<SigSet>(a.u64(1))?.blockable();
        t.signal_mask = match a.u64(0) {
            how::SIG_BLOCK => SigSet(old.0 | set.0),
            how::SIG_UNBLOCK => SigSet(old.0 & !set.0),
            how::SIG_SETMASK => set,
            _ => return Err(EINVAL),
        };
    }
    if a.u64(2) != 0 {
        t.write_obj(a.u64(2), &old)?;
    }
    Ok(0)
}
