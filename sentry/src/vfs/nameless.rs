//! Files without a name: where `/proc/PID/fd/N` leads for a pipe, an
//! anonymous file (eventfd, epoll, timerfd, signalfd, inotify) or a host
//! descriptor the sentry holds for the app.
//!
//! On Linux every open file has an inode. One with no name in any
//! directory has it on a kernel-internal filesystem mounted nowhere
//! (pipefs, sockfs, anon_inodefs) whose files are named by the filesystem
//! (`d_dname`): `pipe:[N]`, `socket:[N]`, `anon_inode:[eventfd]`.
//! Following `/proc/PID/fd/N` jumps to that inode: `stat` shows it, and
//! `open` checks its permission bits (a pipe's are 0600 for its creator;
//! the anonymous inode's 0600 for root), then opens the object anew: a
//! new end of the pipe, reading or writing as the open asks (and, pipefs
//! pipes not being named FIFOs, never waiting for the other side), or
//! `ENXIO` for a socket or an anonymous inode.
//!
//! Here a file with no place in the tree gives such an inode
//! ([`FileOps::nameless_inode`](super::FileOps::nameless_inode)): a pipe
//! its own, a host descriptor one that reopens the host object, and every
//! other kind by default an [`Unopenable`] inode with the file's
//! attributes. [`locate`] puts it on the one internal mount that serves
//! them all, made on first use, where
//! [`path_of`](super::ops::path_of) names it by its
//! [`dname`](super::inode::Inode::dname), never from the root.

use std::sync::{Arc, OnceLock};

use abi::errno::{ENOENT, ENXIO};
use abi::fs::{mode, Stat, Statfs};
use abi::Errno;

use super::dentry::Dentry;
use super::inode::{Attr, Inode, InodeRef};
use super::mount::{Location, Mount};
use super::{Context, OpenFile};

/// `ANON_INODE_FS_MAGIC`.
const ANON_INODE_FS_MAGIC: i64 = 0x0904_1934;
/// `SOCKFS_MAGIC`.
const SOCKFS_MAGIC: i64 = 0x534f_434b;

/// The figures `statfs` reports for a pseudo filesystem of type `kind`.
pub fn pseudo_statfs(kind: i64) -> Statfs {
    Statfs { kind, bsize: abi::PAGE_SIZE as i64, namelen: 255, frsize: abi::PAGE_SIZE as i64, ..Statfs::default() }
}

/// The root of the internal mount: an empty directory no one can reach.
struct Root;

impl Inode for Root {
    fn attr(&self) -> Attr {
        Attr { ino: 1, mode: mode::S_IFDIR | 0o500, nlink: 2, ..Attr::default() }
    }

    fn lookup(&self, _name: &[u8]) -> Result<InodeRef, Errno> {
        Err(ENOENT)
    }

    fn statfs(&self) -> Statfs {
        pseudo_statfs(ANON_INODE_FS_MAGIC)
    }
}

/// The internal mount of nameless files.
fn mount() -> Arc<Mount> {
    static MOUNT: OnceLock<Arc<Mount>> = OnceLock::new();
    MOUNT.get_or_init(|| Mount::internal(Arc::new(Root), "nameless")).clone()
}

/// The place of the nameless file `inode`: on the internal mount, under a
/// dentry of its own named by its [`dname`](Inode::dname).
pub fn locate(inode: InodeRef) -> Location {
    let m = mount();
    let name = inode.dname().filter(|n| !n.is_empty()).unwrap_or_else(|| b"?".to_vec());
    Location { dentry: Dentry::new_unlinked(&m.root, &name, inode), mnt: m }
}

/// The name Linux gives a file of type `mode` with inode number `ino`
/// that has no name: `pipe:[N]`, `socket:[N]`, or `anon_inode:` and
/// `anon_name` for anything else.
pub fn name_of(mode: u32, ino: u64, anon_name: &str) -> Vec<u8> {
    match mode & mode::S_IFMT {
        mode::S_IFIFO => format!("pipe:[{ino}]"),
        mode::S_IFSOCK => format!("socket:[{ino}]"),
        _ => format!("anon_inode:{anon_name}"),
    }
    .into_bytes()
}

/// The inode of a nameless file that cannot be opened again: a socket or
/// an anonymous file. It shows the file's attributes and name; opening
/// it is `ENXIO`, after the permission check on its bits.
pub struct Unopenable {
    attr: Attr,
    name: Vec<u8>,
}

impl Unopenable {
    /// The inode of a file whose `fstat` is `st` and whose anonymous name
    /// is `anon_name` (see [`name_of`]).
    pub fn of(st: &Stat, anon_name: &str) -> InodeRef {
        Arc::new(Unopenable { attr: Attr::from_stat(st), name: name_of(st.mode, st.ino, anon_name) })
    }
}

impl Inode for Unopenable {
    fn attr(&self) -> Attr {
        self.attr
    }

    fn dname(&self) -> Option<Vec<u8>> {
        Some(self.name.clone())
    }

    fn open_special(&self, _ctx: &mut dyn Context, _at: &Location, _flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        Some(Err(ENXIO))
    }

    fn statfs(&self) -> Statfs {
        pseudo_statfs(if self.attr.kind() == mode::S_IFSOCK { SOCKFS_MAGIC } else { ANON_INODE_FS_MAGIC })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_linuxs() {
        assert_eq!(name_of(mode::S_IFIFO | 0o600, 7, "[file]"), b"pipe:[7]");
        assert_eq!(name_of(mode::S_IFSOCK | 0o777, 8, "[file]"), b"socket:[8]");
        assert_eq!(name_of(0o600, 1, "[eventfd]"), b"anon_inode:[eventfd]");
        assert_eq!(name_of(0o600, 1, "inotify"), b"anon_inode:inotify");
    }

    #[test]
    fn an_anonymous_file_is_located_off_the_tree_and_named_by_its_filesystem() {
        let st = crate::vfs::anon::stat(0);
        let loc = locate(Unopenable::of(&st, "[eventfd]"));
        assert!(loc.mnt.is_internal());
        assert_eq!(loc.dentry.attr().mode, 0o600);
        assert_eq!(loc.inode().dname().unwrap(), b"anon_inode:[eventfd]");
        assert!(Arc::ptr_eq(&loc.mnt, &locate(Unopenable::of(&st, "[file]")).mnt), "one mount serves them all");
        let root = crate::vfs::MountNamespace::new(crate::fsimpl::tmpfs::Tmpfs::new(1, 1 << 20).root(), "tmpfs", false).root();
        assert_eq!(crate::vfs::ops::path_of(&root, &loc).unwrap(), b"anon_inode:[eventfd]");
    }
}
