//! memfd_create, and the seals of `fcntl` (`F_ADD_SEALS`, `F_GET_SEALS`).
//!
//! A memfd is a regular file on the kernel's internal tmpfs
//! ([`crate::kernel::Kernel::memfd_root`]) that no directory names; it is
//! an ordinary tmpfs file otherwise (its data moves into a host memory file
//! when first mapped, see [`crate::fsimpl::tmpfs`]), shown in `/proc` as
//! `/memfd:NAME (deleted)`. `MFD_HUGETLB` is `EINVAL` (no huge pages).

use abi::errno::{EINVAL, ENAMETOOLONG, EPERM};
use abi::fs::{mfd, o, seal};

use super::sys_fd::nofile_limit;
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::fsimpl::tmpfs;
use crate::vfs::{Dentry, InodeFile, Location, OpenFile};

/// The longest name (`NAME_MAX` less the `memfd:` prefix).
const NAME_MAX_LEN: usize = abi::fs::NAME_MAX - b"memfd:".len();

/// `memfd_create(name, flags)`.
pub fn memfd_create(t: &mut Task, a: Args) -> SysResult {
    let flags = a.uint(1);
    if flags & !(mfd::CLOEXEC | mfd::ALLOW_SEALING | mfd::NOEXEC_SEAL | mfd::EXEC) != 0 {
        return Err(EINVAL);
    }
    if flags & mfd::EXEC != 0 && flags & mfd::NOEXEC_SEAL != 0 {
        return Err(EINVAL);
    }
    let name = t.read_cstring(a.u64(0), NAME_MAX_LEN + 1).map_err(|e| if e == ENAMETOOLONG { EINVAL } else { e })?;
    let (perm, seals) = if flags & mfd::NOEXEC_SEAL != 0 {
        (0o666, seal::EXEC)
    } else if flags & mfd::ALLOW_SEALING != 0 {
        (0o777, 0)
    } else {
        (0o777, seal::SEAL)
    };
    let (uid, gid) = {
        let c = t.tg.creds.lock();
        (c.fsuid, c.fsgid)
    };
    let root = t.kernel.memfd_root.clone();
    let inode = tmpfs::new_unlinked_file(root.inode(), perm, uid, gid, seals)?;
    let mut dname = b"memfd:".to_vec();
    dname.extend_from_slice(&name);
    let loc = Location { dentry: Dentry::new_unlinked(&root.dentry, &dname, inode), mnt: root.mnt };
    let file = InodeFile::open(loc, o::RDWR | o::LARGEFILE);
    let limit = nofile_limit(t);
    t.fds.install(file, flags & mfd::CLOEXEC != 0, limit).map(|fd| fd as u64)
}

/// `fcntl(F_ADD_SEALS)`, in Linux's order of checks.
pub fn add_seals(file: &OpenFile, seals: u64) -> SysResult {
    if seals > u64::from(u32::MAX) {
        return Err(EINVAL);
    }
    if !file.writable() {
        return Err(EPERM);
    }
    if seals as u32 & !seal::ALL != 0 {
        return Err(EINVAL);
    }
    let loc = file.ops.location().ok_or(EINVAL)?;
    tmpfs::add_seals(loc.inode(), seals as u32).map(|_| 0)
}

/// `fcntl(F_GET_SEALS)`.
pub fn get_seals(file: &OpenFile) -> SysResult {
    let loc = file.ops.location().ok_or(EINVAL)?;
    tmpfs::get_seals(loc.inode()).map(u64::from)
}
