//! alarm, setitimer, getitimer.

use abi::errno::EINVAL;
use abi::Pod;

use super::{Args, SysResult};
use crate::kernel::itimer::Itimerval;
use crate::kernel::task::Task;

/// `getitimer(which, curr)`.
pub fn getitimer(t: &mut Task, a: Args) -> SysResult {
    let cur = t.tg.timers.get(&t.tg, a.int(0)).ok_or(EINVAL)?;
    t.copy_out_final(a.u64(1), cur.as_bytes())?;
    Ok(0)
}

/// `setitimer(which, new, old)`: a null `new` disarms, as Linux still
/// allows.
pub fn setitimer(t: &mut Task, a: Args) -> SysResult {
    let new = if a.u64(1) == 0 { Itimerval::default() } else { t.read_obj::<Itimerval>(a.u64(1))? };
    if !new.is_valid() {
        return Err(EINVAL);
    }
    let tg = t.tg.clone();
    let old = tg.timers.set(&t.kernel, &tg, a.int(0), &new).ok_or(EINVAL)?;
    if a.u64(2) != 0 {
        t.copy_out_final(a.u64(2), old.as_bytes())?;
    }
    Ok(0)
}

/// `alarm(seconds)`.
pub fn alarm(t: &mut Task, a: Args) -> SysResult {
    let tg = t.tg.clone();
    Ok(tg.timers.alarm(&t.kernel, &tg, a.uint(0)))
}
