//! uname, sethostname, setdomainname.

use abi::errno::{EINVAL, EPERM};
use abi::Pod;

use super::{Args, SysResult};
use crate::auth::cap;
use crate::kernel::task::Task;
use crate::kernel::uts::NAME_MAX;

/// `uname(buf)`.
pub fn uname(t: &mut Task, a: Args) -> SysResult {
    let u = t.kernel.uts.utsname();
    t.copy_out_final(a.u64(0), u.as_bytes())?;
    Ok(0)
}

/// Reads the new name of `sethostname`/`setdomainname(name, len)`, in
/// Linux's order of checks: EPERM without `CAP_SYS_ADMIN`, EINVAL for a
/// length outside `0..=64`, EFAULT for unreadable memory.
fn read_name(t: &mut Task, a: Args) -> Result<Vec<u8>, abi::Errno> {
    if !t.tg.creds.lock().has_cap(cap::SYS_ADMIN) {
        return Err(EPERM);
    }
    let len = usize::try_from(a.int(1)).map_err(|_| EINVAL)?;
    if len > NAME_MAX {
        return Err(EINVAL);
    }
    let mut name = vec![0u8; len];
    t.copy_in(a.u64(0), &mut name)?;
    Ok(name)
}

/// `sethostname(name, len)`.
pub fn sethostname(t: &mut Task, a: Args) -> SysResult {
    let name = read_name(t, a)?;
    t.kernel.uts.set_hostname(&name);
    Ok(0)
}

/// `setdomainname(name, len)`.
pub fn setdomainname(t: &mut Task, a: Args) -> SysResult {
    let name = read_name(t, a)?;
    t.kernel.uts.set_domainname(&name);
    Ok(0)
}
