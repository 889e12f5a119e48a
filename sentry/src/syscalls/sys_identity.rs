//! User and group identity.

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// `getuid()`.
pub fn getuid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.uid as u64)
}

/// `geteuid()`.
pub fn geteuid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.euid as u64)
}

/// `getgid()`.
pub fn getgid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.gid as u64)
}

/// `getegid()`.
pub fn getegid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.egid as u64)
}
