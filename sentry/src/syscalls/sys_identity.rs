//! User and group identity.

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// `getuid()`.
pub fn getuid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().uid as u64)
}

/// `geteuid()`.
pub fn geteuid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().euid as u64)
}

/// `getgid()`.
pub fn getgid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().gid as u64)
}

/// `getegid()`.
pub fn getegid(t: &mut Task, _: Args) -> SysResult {
    Ok(t.tg.creds.lock().egid as u64)
}
