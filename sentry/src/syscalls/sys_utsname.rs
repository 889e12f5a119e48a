//! uname.

use abi::Pod;

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// `uname(buf)`.
pub fn uname(t: &mut Task, a: Args) -> SysResult {
    let u = t.kernel.uts.utsname();
    t.copy_out_final(a.u64(0), u.as_bytes())?;
    Ok(0)
}
