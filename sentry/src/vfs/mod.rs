//! Files: the file tree (mounts, dentries, inodes, path resolution), the
//! filesystems, open file descriptions and descriptor tables.
//!
//! The tree is a [`MountNamespace`]: the sandbox's root is the host's
//! root, read-only, under a tmpfs overlay (so writes stay in memory), or
//! a host directory written through ([`RootFs::HostWritable`]), with
//! a private tmpfs `/tmp`, and `/dev` a tmpfs holding the device nodes
//! (`null`, `zero`, `full`, `random`, `urandom`, `tty`), the `fd`,
//! `stdin`, `stdout` and `stderr` links and a `shm` tmpfs; `/proc` is the
//! sandbox's own (see [`procfs`]) and the host's `/sys` is covered by an
//! empty read-only directory.
//!
//! Besides the files of the tree: host-backed stdio, pipes, eventfds,
//! timerfds, signalfds, epoll and inotify instances, and memfds (files of
//! an internal tmpfs no directory names, see [`internal_shm`]). A regular
//! file's data can be mapped ([`inode::Inode::map`]). Every file kind reports its
//! readiness for `poll`, `select` and `epoll` through [`FileOps`]; see
//! [`poll`].

mod anon;
pub mod context;
mod dentry;
pub mod devices;
pub mod epoll;
pub mod eventfd;
mod fd_table;
mod fifo;
mod file;
mod fs_context;
mod host;
pub mod hostfs;
pub mod inode;
mod inode_file;
pub mod inotify;
pub mod lock;
pub mod mount;
pub mod ops;
pub mod overlay;
pub mod path;
pub mod perm;
pub mod pipe;
pub mod procfs;
pub mod poll;
pub mod signalfd;
pub mod timerfd;
pub mod tmpfs;

pub use dentry::Dentry;
pub use epoll::Epoll;
pub use eventfd::EventFd;
pub use fd_table::FdTable;
pub use file::{AsAny, FileOps, MmapSource, OpenFile};
pub use context::Context;
pub use fs_context::FsContext;
pub use host::HostFile;
pub use inode_file::InodeFile;
pub use mount::{Location, MountNamespace};
pub use pipe::{Pipe, PipeEnd};
pub use poll::PollTable;
pub use signalfd::SignalFd;
pub use timerfd::TimerFd;

use std::os::unix::ffi::OsStringExt;
use std::sync::Arc;

use inode::{makedev, InodeRef, NodeSpec};
use tmpfs::Tmpfs;

/// How much file data each tmpfs may hold.
const TMPFS_SIZE: u64 = 1 << 30;

/// The device number of the `n`th filesystem mounted (anonymous devices,
/// major 0, as Linux numbers tmpfs and procfs instances).
const fn anon_dev(n: u32) -> u64 {
    makedev(0, 0x30 + n)
}

/// What the sandbox's `/` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootFs {
    /// A bare tmpfs.
    Tmpfs,
    /// A host directory, read-only under a tmpfs overlay that keeps the
    /// writes in memory.
    HostOverlay(std::path::PathBuf),
    /// A host directory, written through (the mount points the tree needs,
    /// `/proc`, `/dev`, `/tmp` and `/sys`, are made in it where missing).
    HostWritable(std::path::PathBuf),
}

/// The sandbox's file tree: `root` as `/`, a private tmpfs `/tmp`,
/// `/dev` and `/dev/shm`, `proc` (a procfs root) on `/proc`, and an empty
/// read-only directory over the host's `/sys`. The data of every tmpfs
/// (the overlay's upper layer included) counts against `budget`.
pub fn default_namespace(root: &RootFs, proc: InodeRef, budget: &Arc<tmpfs::Budget>) -> std::io::Result<MountNamespace> {
    let inos = inode::InoAllocator::new();
    let ns = match root {
        RootFs::HostOverlay(p) => {
            let upper = Tmpfs::with_inos(anon_dev(0), TMPFS_SIZE, Some(budget), inos.clone(), 0o755).root();
            MountNamespace::new(overlay::new(upper, hostfs::open_root(p, anon_dev(0), inos, false)?, anon_dev(0)), "overlay", false)
        }
        RootFs::HostWritable(p) => MountNamespace::new(hostfs::open_root(p, anon_dev(0), inos, true)?, "bind", false),
        RootFs::Tmpfs => MountNamespace::new(Tmpfs::with_inos(anon_dev(0), TMPFS_SIZE, Some(budget), inos, 0o755).root(), "tmpfs", false),
    };
    let root = ns.root();
    let dir = |at: &Location, name: &[u8], perm: u32| -> std::io::Result<Location> {
        if at.dentry.child(name).is_err() {
            at.inode().create(name, NodeSpec::Directory, perm, 0, 0).map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
        }
        let d = at.dentry.child(name).map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
        Ok(Location { mnt: at.mnt.clone(), dentry: d })
    };
    let sys = dir(&root, b"sys", 0o555)?;
    ns.mount(&sys, Tmpfs::with_inos(anon_dev(4), 0, None, inode::InoAllocator::new(), 0o555).root(), "tmpfs", true);
    let proc_at = dir(&root, b"proc", 0o555)?;
    ns.mount(&proc_at, proc, "proc", false);
    let tmp = dir(&root, b"tmp", 0o1777)?;
    ns.mount(&tmp, Tmpfs::with_inos(anon_dev(1), TMPFS_SIZE, Some(budget), inode::InoAllocator::new(), 0o1777).root(), "tmpfs", false);
    let dev_at = dir(&root, b"dev", 0o755)?;
    let dev = ns.mount(&dev_at, Tmpfs::with_inos(anon_dev(2), 1 << 20, Some(budget), inode::InoAllocator::new(), 0o755).root(), "devtmpfs", false);
    for (name, rdev, perm) in [
        (&b"null"[..], devices::NULL, 0o666),
        (b"zero", devices::ZERO, 0o666),
        (b"full", devices::FULL, 0o666),
        (b"random", devices::RANDOM, 0o666),
        (b"urandom", devices::URANDOM, 0o666),
        (b"tty", devices::TTY, 0o666),
    ] {
        let _ = dev.inode().create(name, NodeSpec::CharDevice(rdev), perm, 0, 0);
    }
    for (name, target) in [
        (&b"fd"[..], &b"/proc/self/fd"[..]),
        (b"stdin", b"/proc/self/fd/0"),
        (b"stdout", b"/proc/self/fd/1"),
        (b"stderr", b"/proc/self/fd/2"),
    ] {
        let _ = dev.inode().create(name, NodeSpec::Symlink(target.to_vec()), 0o777, 0, 0);
    }
    let shm = dir(&dev, b"shm", 0o1777)?;
    ns.mount(&shm, Tmpfs::with_inos(anon_dev(3), TMPFS_SIZE, Some(budget), inode::InoAllocator::new(), 0o1777).root(), "tmpfs", false);
    Ok(ns)
}

/// The kernel's internal tmpfs mount that `memfd_create` makes its files
/// on (Linux's `shm_mnt`), its data counted against `budget`; the root of
/// it.
pub fn internal_shm(budget: &Arc<tmpfs::Budget>) -> Location {
    let fs = Tmpfs::with_inos(anon_dev(5), TMPFS_SIZE, Some(budget), inode::InoAllocator::new(), 0o1777);
    let m = mount::Mount::internal(fs.root(), "tmpfs");
    Location { dentry: m.root.clone(), mnt: m }
}

/// The directory at the absolute `path`, made (mode 0755, owned by root)
/// with its parents where missing; links on the way are followed.
pub fn mkdir_p(ns: &MountNamespace, path: &[u8]) -> Result<Location, abi::Errno> {
    let c = crate::auth::Credentials::fixed(0);
    let root = ns.root();
    let mut cur = root.clone();
    for comp in path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
        let mut r = path::Resolver::new(ns, root.clone(), &c);
        let next = match r.resolve(&cur, comp, true) {
            Ok(l) => l,
            Err(abi::errno::ENOENT) => {
                ops::make(&mut r, &cur, comp, NodeSpec::Directory, 0o755)?;
                r.resolve(&cur, comp, true)?
            }
            Err(e) => return Err(e),
        };
        if !next.dentry.attr().is_dir() {
            return Err(abi::errno::ENOTDIR);
        }
        cur = next;
    }
    Ok(cur)
}

/// A mount asked for when the sandbox starts, on top of the default tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtraMount {
    /// A host directory at an absolute path inside.
    Bind {
        /// The host directory.
        host: std::path::PathBuf,
        /// Where it appears.
        guest: Vec<u8>,
        /// Whether changes are written through to the host (else the
        /// mount is read-only).
        writable: bool,
    },
    /// A new tmpfs of at most `size` bytes of data.
    Tmpfs {
        /// Where it appears.
        guest: Vec<u8>,
        /// Its size limit.
        size: u64,
    },
}

/// Makes `extra`'s mounts in `ns`, in order (their mount points are
/// made where missing), their tmpfs data counted against `budget`.
pub fn mount_extra(ns: &MountNamespace, extra: &[ExtraMount], budget: &Arc<tmpfs::Budget>) -> std::io::Result<()> {
    let io = |e: abi::Errno| std::io::Error::from_raw_os_error(e.0);
    for (i, m) in extra.iter().enumerate() {
        let dev = anon_dev(0x10 + i as u32);
        match m {
            ExtraMount::Bind { host, guest, writable } => {
                let at = mkdir_p(ns, guest).map_err(io)?;
                ns.mount(&at, hostfs::open_root(host, dev, inode::InoAllocator::new(), *writable)?, "bind", !writable);
            }
            ExtraMount::Tmpfs { guest, size } => {
                let at = mkdir_p(ns, guest).map_err(io)?;
                ns.mount(&at, Tmpfs::with_inos(dev, *size, Some(budget), inode::InoAllocator::new(), 0o1777).root(), "tmpfs", false);
            }
        }
    }
    Ok(())
}

/// The file `execve` runs at `loc`: a regular file the caller may
/// execute (`EACCES` otherwise), as its path from `root` and a host file
/// holding its contents for the loader to map.
pub fn executable(creds: &crate::auth::Credentials, root: &Location, loc: &Location) -> Result<crate::loader::Executable, abi::Errno> {
    let a = loc.dentry.attr();
    if !a.is_regular() {
        return Err(abi::errno::EACCES);
    }
    perm::check(creds, &a, perm::MAY_EXEC)?;
    let file = loc.inode().host_file()?;
    let path = ops::path_of(root, loc).unwrap_or_else(|| loc.dentry.name());
    crate::loader::Executable::new(std::path::PathBuf::from(std::ffi::OsString::from_vec(path)), file)
}

/// Resolves `path` from `start` for `execve` (following a last link
/// when `follow`) and opens it as [`executable`] does.
pub fn find_executable(ns: &MountNamespace, creds: &crate::auth::Credentials, root: &Location, start: &Location, path: &[u8], follow: bool) -> Result<crate::loader::Executable, abi::Errno> {
    let loc = path::Resolver::new(ns, root.clone(), creds).resolve(start, path, follow)?;
    executable(creds, root, &loc)
}
