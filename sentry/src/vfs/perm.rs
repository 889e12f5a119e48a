//! Permission checks against a task's filesystem ids, as Linux's
//! `generic_permission`, `inode_owner_or_capable` and the sticky-directory
//! rule do them.

use abi::errno::{EACCES, EPERM, EROFS};
use abi::fs::mode;
use abi::Errno;

use super::inode::Attr;
use super::mount::Location;
use crate::auth::{cap, Credentials};

/// Read permission.
pub const MAY_READ: u32 = 4;
/// Write permission.
pub const MAY_WRITE: u32 = 2;
/// Execute (search, for a directory) permission.
pub const MAY_EXEC: u32 = 1;

/// Whether `c`'s filesystem group or a supplementary group is `gid`.
pub fn in_fs_group(c: &Credentials, gid: u32) -> bool {
    c.fsgid == gid || c.groups.contains(&gid)
}

/// `generic_permission`: the owner, group or other bits that apply to `c`,
/// then the capabilities that override them.
pub fn check(c: &Credentials, a: &Attr, mask: u32) -> Result<(), Errno> {
    let bits = if a.uid == c.fsuid {
        a.mode >> 6
    } else if in_fs_group(c, a.gid) {
        a.mode >> 3
    } else {
        a.mode
    };
    if bits & mask & 7 == mask {
        return Ok(());
    }
    let dir = a.is_dir();
    // CAP_DAC_OVERRIDE: anything but executing a file no one may execute.
    if c.has_cap(cap::DAC_OVERRIDE) && (mask & MAY_EXEC == 0 || dir || a.mode & 0o111 != 0) {
        return Ok(());
    }
    // CAP_DAC_READ_SEARCH: reading anything, searching directories.
    if c.has_cap(cap::DAC_READ_SEARCH) && (mask == MAY_READ || (dir && mask & MAY_WRITE == 0)) {
        return Ok(());
    }
    Err(EACCES)
}

/// `inode_permission`: a write to a file, directory or link on a
/// read-only mount is `EROFS` before any other check.
pub fn check_at(c: &Credentials, loc: &Location, mask: u32) -> Result<(), Errno> {
    let a = loc.dentry.attr();
    if mask & MAY_WRITE != 0 && loc.mnt.read_only && matches!(a.kind(), mode::S_IFREG | mode::S_IFDIR | mode::S_IFLNK) {
        return Err(EROFS);
    }
    check(c, &a, mask)
}

/// `inode_owner_or_capable`: the owner, or `CAP_FOWNER`.
pub fn owner_or_capable(c: &Credentials, a: &Attr) -> Result<(), Errno> {
    if a.uid == c.fsuid || c.has_cap(cap::FOWNER) {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// The sticky-directory rule: in a sticky directory only the file's
/// owner, the directory's owner or `CAP_FOWNER` may remove or rename it.
pub fn check_sticky(c: &Credentials, dir: &Attr, victim: &Attr) -> Result<(), Errno> {
    if dir.mode & mode::S_ISVTX == 0 || victim.uid == c.fsuid || dir.uid == c.fsuid || c.has_cap(cap::FOWNER) {
        Ok(())
    } else {
        Err(EPERM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(m: u32, uid: u32, gid: u32) -> Attr {
        Attr { mode: m, uid, gid, ..Attr::default() }
    }

    #[test]
    fn owner_group_other_bits() {
        let c = Credentials::fixed(1000);
        assert_eq!(check(&c, &attr(0o100600, 1000, 5), MAY_READ | MAY_WRITE), Ok(()));
        assert_eq!(check(&c, &attr(0o100060, 1000, 1000), MAY_READ), Err(EACCES), "the owner bits apply to the owner");
        assert_eq!(check(&c, &attr(0o100640, 0, 1000), MAY_READ), Ok(()));
        assert_eq!(check(&c, &attr(0o100604, 0, 0), MAY_READ), Ok(()));
        assert_eq!(check(&c, &attr(0o100604, 0, 0), MAY_WRITE), Err(EACCES));
        assert_eq!(check(&c, &attr(0o040701, 0, 0), MAY_EXEC), Ok(()));
    }

    #[test]
    fn root_overrides_but_cannot_execute_without_an_exec_bit() {
        let root = Credentials::fixed(0);
        assert_eq!(check(&root, &attr(0o100000, 5, 5), MAY_READ | MAY_WRITE), Ok(()));
        assert_eq!(check(&root, &attr(0o100644, 5, 5), MAY_EXEC), Err(EACCES));
        assert_eq!(check(&root, &attr(0o100010, 5, 5), MAY_EXEC), Ok(()));
        assert_eq!(check(&root, &attr(0o040000, 5, 5), MAY_EXEC | MAY_WRITE), Ok(()));
    }

    #[test]
    fn sticky_directories_protect_other_users_files() {
        let c = Credentials::fixed(1000);
        let tmp = attr(0o041777, 0, 0);
        assert_eq!(check_sticky(&c, &tmp, &attr(0o100644, 1001, 0)), Err(EPERM));
        assert_eq!(check_sticky(&c, &tmp, &attr(0o100644, 1000, 0)), Ok(()));
        assert_eq!(check_sticky(&c, &attr(0o040777, 0, 0), &attr(0o100644, 1001, 0)), Ok(()));
    }
}
