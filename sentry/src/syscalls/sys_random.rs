//! getrandom.

use abi::errno::{EFAULT, EINVAL, EIO};
use abi::process::grnd;

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// `getrandom(buf, count, flags)`: bytes from the host's generator.
pub fn getrandom(t: &mut Task, a: Args) -> SysResult {
    let (addr, count, flags) = (a.u64(0), a.u64(1).min(i32::MAX as u64), a.uint(2) as u64);
    if flags & !(grnd::NONBLOCK | grnd::RANDOM | grnd::INSECURE) != 0 || flags & (grnd::RANDOM | grnd::INSECURE) == grnd::RANDOM | grnd::INSECURE {
        return Err(EINVAL);
    }
    if !t.mm.is_user_range(addr, count) {
        return Err(EFAULT);
    }
    let mut done = 0u64;
    let mut buf = vec![0u8; (count as usize).min(1 << 16)];
    while done < count {
        let len = ((count - done) as usize).min(buf.len());
        getrandom::fill(&mut buf[..len]).map_err(|_| EIO)?;
        let res = if done == 0 && len as u64 == count { t.copy_out_final(addr, &buf[..len]) } else { t.copy_out(addr + done, &buf[..len]) };
        if let Err(e) = res {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += len as u64;
    }
    Ok(done)
}
