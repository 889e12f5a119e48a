//! Extended attributes: the `user.` namespace, on files of filesystems
//! that keep them (tmpfs, the overlay's upper layer after copy-up, and
//! host files, which show their own and take changes on read-write
//! binds where the host filesystem has them), and the `trusted.`
//! namespace, for `CAP_SYS_ADMIN` only, on the sandbox's own files (tmpfs
//! and the overlay; the host's are out of reach). Other namespaces
//! (`security.`, `system.`) are `EOPNOTSUPP`.

use abi::errno::{E2BIG, EEXIST, EINVAL, ENODATA, EOPNOTSUPP, EPERM, ERANGE, EROFS};
use abi::fs::at;
use abi::Errno;

use super::sys_path::{creds, lookup_at};
use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::vfs::inotify;
use crate::vfs::perm::{self, MAY_READ, MAY_WRITE};
use crate::vfs::Location;

/// `XATTR_NAME_MAX`.
const NAME_MAX: usize = 255;
/// `XATTR_SIZE_MAX`, also the longest list.
const SIZE_MAX: usize = 65536;
/// `setxattr` flags.
const XATTR_CREATE: u32 = 1;
const XATTR_REPLACE: u32 = 2;

/// Which file an xattr call names: by path (following a last link or
/// not), or by descriptor.
#[derive(Clone, Copy)]
enum Target {
    Path { follow: bool },
    Fd,
}

fn target(t: &mut Task, a: &Args, which: Target) -> Result<Location, Errno> {
    match which {
        Target::Path { follow } => lookup_at(t, at::FDCWD, a.u64(0), false, follow),
        Target::Fd => {
            let file = t.fds.get(a.int(0))?;
            if file.flags() & abi::fs::o::PATH != 0 {
                return Err(abi::errno::EBADF);
            }
            file.ops.location().ok_or(EOPNOTSUPP)
        }
    }
}

/// The namespaces the sandbox keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Namespace {
    /// `user.`: the file's permission bits decide.
    User,
    /// `trusted.`: `CAP_SYS_ADMIN` decides.
    Trusted,
}

/// The namespace of attribute `name`: `EOPNOTSUPP` for one the sandbox
/// does not keep.
fn namespace_of(name: &[u8]) -> Result<Namespace, Errno> {
    if name.starts_with(b"user.") {
        Ok(Namespace::User)
    } else if name.starts_with(b"trusted.") {
        Ok(Namespace::Trusted)
    } else {
        Err(EOPNOTSUPP)
    }
}

/// The attribute name at `addr`: 1 to 255 bytes (`ERANGE` otherwise), in
/// a namespace the sandbox keeps.
fn name_arg(t: &mut Task, addr: u64) -> Result<(Vec<u8>, Namespace), Errno> {
    let name = t.read_cstring(addr, NAME_MAX + 1).map_err(|e| if e == abi::errno::ENAMETOOLONG { ERANGE } else { e })?;
    if name.is_empty() {
        return Err(ERANGE);
    }
    let ns = namespace_of(&name)?;
    Ok((name, ns))
}

/// `xattr_permission`: `trusted.` attributes need `CAP_SYS_ADMIN` (without
/// it they cannot be changed, and read as absent); `user.` attributes
/// exist only on regular files and directories, and the file's
/// permission bits decide.
fn check_access(t: &Task, loc: &Location, ns: Namespace, write: bool) -> Result<(), Errno> {
    let refused = if write { EPERM } else { ENODATA };
    match ns {
        Namespace::Trusted => {
            if t.tg.creds.lock().has_cap(crate::auth::cap::SYS_ADMIN) {
                Ok(())
            } else {
                Err(refused)
            }
        }
        Namespace::User => {
            let a = loc.dentry.attr();
            if !a.is_regular() && !a.is_dir() {
                return Err(refused);
            }
            perm::check(&creds(t), &a, if write { MAY_WRITE } else { MAY_READ })
        }
    }
}

/// Whether a listing shows attribute `name` to a caller with or without
/// `CAP_SYS_ADMIN`.
fn listed(name: &[u8], admin: bool) -> bool {
    match namespace_of(name) {
        Ok(Namespace::User) => true,
        Ok(Namespace::Trusted) => admin,
        Err(_) => false,
    }
}

fn do_set(t: &mut Task, a: Args, which: Target) -> SysResult {
    let loc = target(t, &a, which)?;
    let (name, ns) = name_arg(t, a.u64(1))?;
    let size = a.u64(3) as usize;
    let flags = a.uint(4);
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(EINVAL);
    }
    if size > SIZE_MAX {
        return Err(E2BIG);
    }
    let mut value = vec![0u8; size];
    t.copy_in(a.u64(2), &mut value)?;
    if loc.mnt.read_only {
        return Err(EROFS);
    }
    check_access(t, &loc, ns, true)?;
    let exists = loc.inode().get_xattr(&name).is_ok();
    if flags & XATTR_CREATE != 0 && exists {
        return Err(EEXIST);
    }
    if flags & XATTR_REPLACE != 0 && !exists {
        return Err(ENODATA);
    }
    loc.inode().set_xattr(&name, &value)?;
    inotify::file_event(&loc, inotify::mask::ATTRIB);
    Ok(0)
}

/// Copies `data` out to a buffer of `size` bytes: `size` 0 asks only for
/// the length, a smaller buffer is `ERANGE`.
fn put(t: &mut Task, buf: u64, size: u64, data: &[u8]) -> SysResult {
    if size == 0 {
        return Ok(data.len() as u64);
    }
    if (size as usize) < data.len() {
        return Err(ERANGE);
    }
    t.copy_out_final(buf, data)?;
    Ok(data.len() as u64)
}

fn do_get(t: &mut Task, a: Args, which: Target) -> SysResult {
    let loc = target(t, &a, which)?;
    let (name, ns) = name_arg(t, a.u64(1))?;
    check_access(t, &loc, ns, false)?;
    let value = loc.inode().get_xattr(&name)?;
    put(t, a.u64(2), a.u64(3), &value)
}

fn do_list(t: &mut Task, a: Args, which: Target) -> SysResult {
    let loc = target(t, &a, which)?;
    let admin = t.tg.creds.lock().has_cap(crate::auth::cap::SYS_ADMIN);
    let mut out = Vec::new();
    for n in loc.inode().list_xattr()?.into_iter().filter(|n| listed(n, admin)) {
        out.extend_from_slice(&n);
        out.push(0);
    }
    if out.len() > SIZE_MAX {
        return Err(E2BIG);
    }
    put(t, a.u64(1), a.u64(2), &out)
}

fn do_remove(t: &mut Task, a: Args, which: Target) -> SysResult {
    let loc = target(t, &a, which)?;
    let (name, ns) = name_arg(t, a.u64(1))?;
    if loc.mnt.read_only {
        return Err(EROFS);
    }
    check_access(t, &loc, ns, true)?;
    loc.inode().remove_xattr(&name)?;
    inotify::file_event(&loc, inotify::mask::ATTRIB);
    Ok(0)
}

/// `setxattr(path, name, value, size, flags)`.
pub fn setxattr(t: &mut Task, a: Args) -> SysResult {
    do_set(t, a, Target::Path { follow: true })
}

/// `lsetxattr(path, name, value, size, flags)`.
pub fn lsetxattr(t: &mut Task, a: Args) -> SysResult {
    do_set(t, a, Target::Path { follow: false })
}

/// `fsetxattr(fd, name, value, size, flags)`.
pub fn fsetxattr(t: &mut Task, a: Args) -> SysResult {
    do_set(t, a, Target::Fd)
}

/// `getxattr(path, name, value, size)`.
pub fn getxattr(t: &mut Task, a: Args) -> SysResult {
    do_get(t, a, Target::Path { follow: true })
}

/// `lgetxattr(path, name, value, size)`.
pub fn lgetxattr(t: &mut Task, a: Args) -> SysResult {
    do_get(t, a, Target::Path { follow: false })
}

/// `fgetxattr(fd, name, value, size)`.
pub fn fgetxattr(t: &mut Task, a: Args) -> SysResult {
    do_get(t, a, Target::Fd)
}

/// `listxattr(path, list, size)`.
pub fn listxattr(t: &mut Task, a: Args) -> SysResult {
    do_list(t, a, Target::Path { follow: true })
}

/// `llistxattr(path, list, size)`.
pub fn llistxattr(t: &mut Task, a: Args) -> SysResult {
    do_list(t, a, Target::Path { follow: false })
}

/// `flistxattr(fd, list, size)`.
pub fn flistxattr(t: &mut Task, a: Args) -> SysResult {
    do_list(t, a, Target::Fd)
}

/// `removexattr(path, name)`.
pub fn removexattr(t: &mut Task, a: Args) -> SysResult {
    do_remove(t, a, Target::Path { follow: true })
}

/// `lremovexattr(path, name)`.
pub fn lremovexattr(t: &mut Task, a: Args) -> SysResult {
    do_remove(t, a, Target::Path { follow: false })
}

/// `fremovexattr(fd, name)`.
pub fn fremovexattr(t: &mut Task, a: Args) -> SysResult {
    do_remove(t, a, Target::Fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_kept_and_listed() {
        assert_eq!(namespace_of(b"user.a"), Ok(Namespace::User));
        assert_eq!(namespace_of(b"trusted.a"), Ok(Namespace::Trusted));
        assert_eq!(namespace_of(b"security.a"), Err(EOPNOTSUPP));
        assert_eq!(namespace_of(b"system.posix_acl_access"), Err(EOPNOTSUPP));
        assert_eq!(namespace_of(b"usera"), Err(EOPNOTSUPP));
        assert!(listed(b"user.a", false));
        assert!(!listed(b"trusted.a", false), "trusted names are hidden without CAP_SYS_ADMIN");
        assert!(listed(b"trusted.a", true));
        assert!(!listed(b"security.a", true));
    }
}
