//! The host passthrough filesystem: a host directory tree, read-only or
//! written through.
//!
//! Every inode holds a descriptor of its host file (`O_PATH` when found
//! by a lookup), opened by the sentry itself one name at a time relative
//! to its parent's descriptor with `O_NOFOLLOW`: the VFS walks `..` and
//! symbolic links in the sandbox's own tree, so no host link and no `..`
//! can lead outside the host directory. A regular file's data is read and
//! written through descriptors reopened from that one by its
//! `/proc/self/fd` entry, which names the inode itself, not a path, so
//! they stay right when the file is renamed or unlinked; `mmap` maps the
//! host file through such a descriptor (read-write only for a shared
//! mapping that may write, on a read-write tree).
//!
//! Read-write, every change is a host `*at` call on one name relative to
//! the directory's descriptor (`mkdirat`, `mknodat`, `symlinkat`,
//! `unlinkat`, `renameat2`, `linkat`; a new regular file is made with
//! `O_CREAT | O_EXCL | O_NOFOLLOW`, which never follows a link), and
//! attribute changes go to the inode's descriptor, so a planted link is
//! only ever read (by the VFS, which resolves it in the sandbox's tree).
//! New files belong to the sentry's host user (the sandbox's user is the
//! host's); their permission bits are the ones asked for, whatever the
//! sentry's umask. The host's errors are passed on. Device nodes cannot
//! be made (`EPERM`), and only `user.` extended attributes reach the
//! host. A named pipe, old or new, is a sandbox pipe: processes in the
//! sandbox that open it meet there, never a host process. Likewise a
//! socket file (`mknodat(S_IFSOCK)` makes it on the host) leads only to
//! the sandbox socket bound to it, found by the file's inode number
//! (`crate::socket::unix`): one a host daemon made leads nowhere, and no
//! host process reaches the sandbox's through it.
//!
//! Host inode numbers and devices are never shown: each host file gets a
//! number of the sandbox's, kept by its host identity (so that hard links
//! share it and a rename keeps it), and the filesystem one device number.
//! Read-only, writes are `EROFS`.
//!
//! Host descriptors the sentry holds for the app (its standard input,
//! output and error) are files of their own, [`HostFile`]s ([`fd`]).

pub mod fd;

pub use fd::HostFile;

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, OnceLock, Weak};

use abi::errno::{EFBIG, EINVAL, EIO, EISDIR, ENODATA, ENOENT, EOPNOTSUPP, EPERM, EROFS, EXDEV};
use abi::fs::mode::{S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG};
use abi::fs::Statfs;
use abi::Errno;
use nix::fcntl::{openat, renameat2, AtFlags, OFlag, RenameFlags, AT_FDCWD};
use nix::sys::stat::{fchmodat, fstatat, mkdirat, mknodat, utimensat, FchmodatFlags, FileStat, Mode, SFlag, UtimensatFlags};
use nix::sys::time::TimeSpec;
use nix::sys::uio::{pread, pwrite};
use nix::unistd::{fchownat, fsync, ftruncate, linkat, symlinkat, unlinkat, Gid, Uid, UnlinkatFlags};
use parking_lot::Mutex;

use crate::vfs::inode::{now_ns, Attr, DirEntry, HostMapping, InoAllocator, Inode, InodeRef, MapWant, NodeSpec, SetAttr};
use crate::kernel::pipe::Pipe;
use crate::vfs::OpenFile;
use crate::vfs::Context;

/// A host file's identity: its device and inode number.
type HostId = (u64, u64);

struct Shared {
    dev: u64,
    inos: Arc<InoAllocator>,
    /// Whether changes are written through (else they are `EROFS`).
    writable: bool,
    /// Host identity to the sandbox's inode number.
    map: Mutex<HashMap<HostId, u64>>,
    /// The sandbox pipe of each named pipe open in the sandbox.
    fifos: Mutex<HashMap<HostId, Weak<Pipe>>>,
}

impl Shared {
    fn ino(&self, dev: u64, ino: u64) -> u64 {
        *self.map.lock().entry((dev, ino)).or_insert_with(|| self.inos.next())
    }
}

/// A host file.
pub struct HostNode {
    fs: Arc<Shared>,
    /// The descriptor naming the host file.
    fd: OwnedFd,
    /// A regular file's data, opened for reading.
    rfd: OnceLock<Result<OwnedFd, Errno>>,
    /// A regular file's data, opened for writing (read-write only).
    wfd: OnceLock<Result<OwnedFd, Errno>>,
    /// A regular file's data opened for both, for shared mappings that
    /// write (read-write only).
    rwfd: OnceLock<Result<OwnedFd, Errno>>,
    /// The file as a memory object: its identity, and the count of its
    /// shared mappings that may write.
    object: OnceLock<(u64, Arc<crate::mm::vma::Writers>)>,
}

/// A host call's error, as nix reports it, as the errno passed on to the
/// app (`EIO` for a number nix does not know, which Linux never returns).
fn errno(e: nix::Error) -> Errno {
    match e {
        nix::Error::UnknownErrno => EIO,
        e => Errno(e as i32),
    }
}

/// The host file `fd` names itself (a link is not followed).
fn host_stat(fd: &OwnedFd) -> Result<FileStat, Errno> {
    fstatat(fd, c"", AtFlags::AT_EMPTY_PATH | AtFlags::AT_SYMLINK_NOFOLLOW).map_err(errno)
}

/// Permission bits as nix takes them.
fn mode(perm: u32) -> Mode {
    Mode::from_bits_retain(perm)
}

/// `openat(dir, name, flags)`, never following a link in `name`.
fn open_at(dir: &OwnedFd, name: &CStr, flags: OFlag, perm: u32) -> Result<OwnedFd, Errno> {
    openat(dir, name, flags | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW, mode(perm)).map_err(errno)
}

/// The `/proc/self/fd` entry of `fd`: opening it reaches the very file
/// `fd` refers to, wherever its names are now.
fn proc_path(fd: &OwnedFd) -> CString {
    CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).expect("no NUL in a number")
}

/// A name of a directory entry as a C string (`ENOENT` for one with a
/// NUL, which no host name has).
fn c_name(name: &[u8]) -> Result<CString, Errno> {
    CString::new(name).map_err(|_| ENOENT)
}

/// An extended-attribute call (nix has none), with its name and buffer.
enum Xattr<'a> {
    /// `getxattr` of the name into the buffer.
    Get(&'a CStr, &'a mut [u8]),
    /// `setxattr` of the name to the value.
    Set(&'a CStr, &'a [u8]),
    /// `listxattr` into the buffer.
    List(&'a mut [u8]),
    /// `removexattr` of the name.
    Remove(&'a CStr),
}

/// Makes `call` on the host file at `path`: the length of the answer
/// for a get or a list.
fn host_xattr(path: &CStr, call: Xattr) -> Result<usize, Errno> {
    let p = path.as_ptr();
    // SAFETY: the path and every name are NUL-terminated, and every buffer
    // is a live slice passed with its own length.
    let n = unsafe {
        match call {
            Xattr::Get(name, buf) => libc::getxattr(p, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()),
            Xattr::Set(name, value) => libc::setxattr(p, name.as_ptr(), value.as_ptr().cast(), value.len(), 0) as isize,
            Xattr::List(buf) => libc::listxattr(p, buf.as_mut_ptr().cast(), buf.len()),
            Xattr::Remove(name) => libc::removexattr(p, name.as_ptr()) as isize,
        }
    };
    nix::Error::result(n).map(|n| n as usize).map_err(errno)
}

/// A host `timespec` for a time to set, or `UTIME_OMIT`.
fn timespec(t: Option<i64>) -> TimeSpec {
    match t {
        Some(ns) => TimeSpec::new(ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000)),
        None => TimeSpec::UTIME_OMIT,
    }
}

/// Opens the host directory `path` as the root of a filesystem with
/// device number `dev`, numbering its inodes from `inos`; changes are
/// written through when `writable`.
pub fn open_root(path: &std::path::Path, dev: u64, inos: Arc<InoAllocator>, writable: bool) -> std::io::Result<InodeRef> {
    // A path with a NUL is `EINVAL`.
    let fd = nix::fcntl::open(path, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())?;
    let fs = Arc::new(Shared { dev, inos, writable, map: Mutex::new(HashMap::new()), fifos: Mutex::new(HashMap::new()) });
    Ok(Arc::new(HostNode::new(fs, fd)))
}

impl HostNode {
    fn new(fs: Arc<Shared>, fd: OwnedFd) -> HostNode {
        HostNode { fs, fd, rfd: OnceLock::new(), wfd: OnceLock::new(), rwfd: OnceLock::new(), object: OnceLock::new() }
    }

    fn host_kind(&self) -> Result<u32, Errno> {
        Ok(host_stat(&self.fd)?.st_mode & S_IFMT)
    }

    /// A descriptor of the regular file's data opened with `flags`,
    /// reopened from the inode's own descriptor once and kept in `slot`.
    fn data<'a>(&self, slot: &'a OnceLock<Result<OwnedFd, Errno>>, flags: OFlag) -> Result<&'a OwnedFd, Errno> {
        slot.get_or_init(|| {
            match self.host_kind()? {
                S_IFREG => {}
                S_IFDIR => return Err(EISDIR),
                _ => return Err(EINVAL),
            }
            nix::fcntl::open(proc_path(&self.fd).as_c_str(), flags | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK, Mode::empty()).map_err(errno)
        })
        .as_ref()
        .map_err(|e| *e)
    }

    fn read_fd(&self) -> Result<&OwnedFd, Errno> {
        self.data(&self.rfd, OFlag::O_RDONLY)
    }

    fn write_fd(&self) -> Result<&OwnedFd, Errno> {
        self.writable()?;
        self.data(&self.wfd, OFlag::O_WRONLY)
    }

    fn writable(&self) -> Result<(), Errno> {
        if self.fs.writable {
            Ok(())
        } else {
            Err(EROFS)
        }
    }

    /// The host node behind `inode`, if it belongs to this filesystem.
    fn same_fs(&self, inode: &InodeRef) -> Option<Arc<HostNode>> {
        inode.clone().into_any().downcast::<HostNode>().ok().filter(|n| Arc::ptr_eq(&n.fs, &self.fs))
    }

    /// Sets the permission bits of a file that is not a symbolic link
    /// (through its `/proc/self/fd` entry, which reaches the inode).
    fn chmod(&self, perm: u32) -> Result<(), Errno> {
        fchmodat(AT_FDCWD, proc_path(&self.fd).as_c_str(), mode(perm & 0o7777), FchmodatFlags::FollowSymlink).map_err(errno)
    }

    /// The directory opened for reading its entries (or syncing it).
    fn dir_fd(&self) -> Result<OwnedFd, Errno> {
        open_at(&self.fd, c".", OFlag::O_RDONLY | OFlag::O_DIRECTORY, 0)
    }

    /// The file's `/proc/self/fd` entry and the attribute's name, for an
    /// xattr call on a `user.` name of a regular file or directory;
    /// `other` is the answer for the rest.
    fn xattr_target(&self, name: &[u8], other: Errno) -> Result<(CString, CString), Errno> {
        if !name.starts_with(b"user.") || !matches!(self.host_kind()?, S_IFREG | S_IFDIR) {
            return Err(other);
        }
        Ok((proc_path(&self.fd), CString::new(name).map_err(|_| EINVAL)?))
    }
}

impl Inode for HostNode {
    fn attr(&self) -> Attr {
        let Ok(st) = host_stat(&self.fd) else {
            return Attr { ino: self.fs.inos.next(), dev: self.fs.dev, ..Attr::default() };
        };
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Attr {
            ino: self.fs.ino(st.st_dev, st.st_ino),
            dev: self.fs.dev,
            mode: st.st_mode,
            nlink: st.st_nlink,
            uid: st.st_uid,
            gid: st.st_gid,
            rdev: st.st_rdev,
            size: st.st_size as u64,
            blocks: st.st_blocks as u64,
            atime: ns(st.st_atime, st.st_atime_nsec),
            mtime: ns(st.st_mtime, st.st_mtime_nsec),
            ctime: ns(st.st_ctime, st.st_ctime_nsec),
            btime: 0,
        }
    }

    /// The size first (the host's truncate sets the times itself), then
    /// the owner (which may clear set-ID bits), the mode and the times;
    /// with nothing to set, the change time alone is updated.
    fn setattr(&self, set: &SetAttr) -> Result<(), Errno> {
        self.writable()?;
        if let Some(size) = set.size {
            let size = i64::try_from(size).map_err(|_| EFBIG)?;
            ftruncate(self.write_fd()?, size).map_err(errno)?;
        }
        let touch_only = set.size.is_none() && set.mode.is_none() && set.atime.is_none() && set.mtime.is_none();
        if set.uid.is_some() || set.gid.is_some() || touch_only {
            let (u, g) = (set.uid.map(Uid::from_raw), set.gid.map(Gid::from_raw));
            fchownat(&self.fd, c"", u, g, AtFlags::AT_EMPTY_PATH | AtFlags::AT_SYMLINK_NOFOLLOW).map_err(errno)?;
        }
        if let Some(m) = set.mode {
            if self.host_kind()? == S_IFLNK {
                return Err(EOPNOTSUPP);
            }
            self.chmod(m)?;
        }
        if set.size.is_none() && (set.atime.is_some() || set.mtime.is_some()) {
            // Through the `/proc/self/fd` entry, which reaches the inode
            // itself, even a symbolic link's.
            let path = proc_path(&self.fd);
            utimensat(AT_FDCWD, path.as_c_str(), &timespec(set.atime), &timespec(set.mtime), UtimensatFlags::FollowSymlink).map_err(errno)?;
        }
        Ok(())
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        if name.contains(&b'/') || name == b"." || name == b".." || name.is_empty() {
            return Err(ENOENT);
        }
        let fd = open_at(&self.fd, &c_name(name)?, OFlag::O_PATH, 0)?;
        Ok(Arc::new(HostNode::new(self.fs.clone(), fd)))
    }

    fn create(&self, name: &[u8], spec: NodeSpec, perm: u32, _uid: u32, _gid: u32) -> Result<InodeRef, Errno> {
        self.writable()?;
        let c = c_name(name)?;
        let c = c.as_c_str();
        let perm = perm & 0o7777;
        match &spec {
            NodeSpec::Regular => drop(open_at(&self.fd, c, OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_WRONLY, perm)?),
            NodeSpec::Directory => mkdirat(&self.fd, c, mode(perm)).map_err(errno)?,
            NodeSpec::Fifo => mknodat(&self.fd, c, SFlag::S_IFIFO, mode(perm), 0).map_err(errno)?,
            // A socket file no host process can connect through: nothing
            // listens on it in the host.
            NodeSpec::Socket => mknodat(&self.fd, c, SFlag::S_IFSOCK, mode(perm), 0).map_err(errno)?,
            NodeSpec::Symlink(target) => {
                let t = CString::new(target.as_slice()).map_err(|_| ENOENT)?;
                symlinkat(t.as_c_str(), &self.fd, c).map_err(errno)?
            }
            // A device node on the host would give host users the device.
            NodeSpec::CharDevice(_) => return Err(EPERM),
        }
        let node = self.lookup(name)?;
        let a = node.attr();
        if !matches!(spec, NodeSpec::Symlink(_)) && a.kind() == spec.kind() && a.mode & 0o7777 != perm {
            // The host applied the sentry's umask: set the bits asked for.
            self.same_fs(&node).ok_or(EIO)?.chmod(perm)?;
        }
        Ok(node)
    }

    /// The host's own `O_TMPFILE` in the directory (`EOPNOTSUPP` where
    /// the host filesystem has none).
    fn tmpfile(&self, perm: u32, _uid: u32, _gid: u32) -> Result<InodeRef, Errno> {
        self.writable()?;
        let fd = open_at(&self.fd, c".", OFlag::O_TMPFILE | OFlag::O_RDWR, perm & 0o7777)?;
        let node = HostNode::new(self.fs.clone(), fd);
        if host_stat(&node.fd)?.st_mode & 0o7777 != perm & 0o7777 {
            node.chmod(perm)?;
        }
        Ok(Arc::new(node))
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        self.writable()?;
        let target = self.same_fs(target).ok_or(EXDEV)?;
        let c = c_name(name)?;
        // Following the `/proc/self/fd` entry reaches the target inode itself.
        linkat(AT_FDCWD, proc_path(&target.fd).as_c_str(), &self.fd, c.as_c_str(), AtFlags::AT_SYMLINK_FOLLOW).map_err(errno)
    }

    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        self.writable()?;
        let c = c_name(name)?;
        let how = if dir { UnlinkatFlags::RemoveDir } else { UnlinkatFlags::NoRemoveDir };
        unlinkat(&self.fd, c.as_c_str(), how).map_err(errno)
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8], flags: u32) -> Result<(), Errno> {
        self.writable()?;
        let to = self.same_fs(new_dir).ok_or(EXDEV)?;
        let (o, n) = (c_name(old)?, c_name(new)?);
        // Flags the host does not know reach it, for its `EINVAL`.
        renameat2(&self.fd, o.as_c_str(), &to.fd, n.as_c_str(), RenameFlags::from_bits_retain(flags)).map_err(errno)
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let dir = self.dir_fd()?;
        let st = host_stat(&dir)?;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            // nix has no getdents, and its `Dir` (glibc's `fdopendir`) would
            // cost three more host calls per listing (an `fstat`, two `fcntl`s).
            // SAFETY: `buf` is writable for its length.
            let n = unsafe { libc::syscall(libc::SYS_getdents64, dir.as_raw_fd(), buf.as_mut_ptr(), buf.len()) };
            let n = nix::Error::result(n).map_err(errno)? as usize;
            if n == 0 {
                return Ok(out);
            }
            let mut at = 0usize;
            while at + 19 <= n {
                let ino = u64::from_ne_bytes(buf[at..at + 8].try_into().expect("8 bytes"));
                let reclen = u16::from_ne_bytes(buf[at + 16..at + 18].try_into().expect("2 bytes")) as usize;
                let dtype = buf[at + 18];
                if reclen < 20 || at + reclen > n {
                    return Err(EIO);
                }
                let name = &buf[at + 19..at + reclen];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if name != b"." && name != b".." {
                    out.push(DirEntry { name: name.to_vec(), ino: self.fs.ino(st.st_dev, ino), dtype });
                }
                at += reclen;
            }
        }
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        let mut buf = vec![0u8; abi::fs::PATH_MAX];
        // nix's `readlinkat` would first `fstatat` the link and copy the
        // answer into a second buffer: a link is read on every walk through it.
        // SAFETY: `buf` is writable for its length; the empty path names
        // the link `self.fd` itself.
        let n = unsafe { libc::readlinkat(self.fd.as_raw_fd(), c"".as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        let n = nix::Error::result(n).map_err(|e| if e == nix::Error::ENOENT { EINVAL } else { errno(e) })?;
        buf.truncate(n as usize);
        Ok(buf)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        pread(self.read_fd()?, buf, offset as i64).map_err(errno)
    }

    fn write_at(&self, data: &[u8], offset: u64) -> Result<usize, Errno> {
        let fd = self.write_fd()?;
        let offset = i64::try_from(offset).map_err(|_| EFBIG)?;
        pwrite(fd, data, offset).map_err(errno)
    }

    fn prepare_write(&self) -> Result<(), Errno> {
        match self.host_kind()? {
            S_IFREG => self.write_fd().map(|_| ()),
            _ => Ok(()),
        }
    }

    fn sync(&self) -> Result<(), Errno> {
        let dir;
        let fd = match self.host_kind()? {
            S_IFREG => self.read_fd()?,
            S_IFDIR => {
                dir = self.dir_fd()?;
                &dir
            }
            _ => return Ok(()),
        };
        fsync(fd).map_err(errno)
    }

    fn statfs(&self) -> Statfs {
        // nix's `Statfs` does not show `f_frsize`, which differs from
        // `f_bsize` on some filesystems (NFS, FUSE).
        let mut s = std::mem::MaybeUninit::<libc::statfs>::uninit();
        // SAFETY: `s` is a buffer for fstatfs to fill, read only when the
        // call succeeded and so filled it.
        let Some(s) = (unsafe { (libc::fstatfs(self.fd.as_raw_fd(), s.as_mut_ptr()) == 0).then(|| s.assume_init()) }) else {
            return Statfs::default();
        };
        Statfs {
            kind: s.f_type,
            bsize: s.f_bsize,
            blocks: s.f_blocks,
            bfree: s.f_bfree,
            bavail: s.f_bavail,
            files: s.f_files,
            ffree: s.f_ffree,
            namelen: s.f_namelen,
            frsize: s.f_frsize,
            flags: if self.fs.writable { 0 } else { 1 /* ST_RDONLY */ },
            ..Statfs::default()
        }
    }

    fn get_xattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        let (path, name) = self.xattr_target(name, ENODATA)?;
        let mut buf = vec![0u8; 65536];
        let n = host_xattr(&path, Xattr::Get(&name, &mut buf))?;
        buf.truncate(n);
        Ok(buf)
    }

    fn set_xattr(&self, name: &[u8], value: &[u8]) -> Result<(), Errno> {
        self.writable()?;
        let (path, name) = self.xattr_target(name, EOPNOTSUPP)?;
        host_xattr(&path, Xattr::Set(&name, value)).map(|_| ())
    }

    fn list_xattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        if !matches!(self.host_kind()?, S_IFREG | S_IFDIR) {
            return Ok(Vec::new());
        }
        let mut buf = vec![0u8; 65536];
        let n = host_xattr(&proc_path(&self.fd), Xattr::List(&mut buf))?;
        buf.truncate(n);
        Ok(buf.split(|&b| b == 0).filter(|n| n.starts_with(b"user.")).map(<[u8]>::to_vec).collect())
    }

    fn remove_xattr(&self, name: &[u8]) -> Result<(), Errno> {
        self.writable()?;
        let (path, name) = self.xattr_target(name, EOPNOTSUPP)?;
        host_xattr(&path, Xattr::Remove(&name)).map(|_| ())
    }

    fn open_special(&self, ctx: &mut dyn Context, at: &crate::vfs::Location, flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        let a = self.attr();
        if a.kind() != S_IFIFO {
            return None;
        }
        let st = host_stat(&self.fd).ok()?;
        let pipe = {
            let mut fifos = self.fs.fifos.lock();
            fifos.retain(|_, w| w.strong_count() > 0);
            match fifos.get(&(st.st_dev, st.st_ino)).and_then(Weak::upgrade) {
                Some(p) => p,
                None => {
                    let p = Pipe::new(a.ino, a.uid, a.gid, now_ns());
                    fifos.insert((st.st_dev, st.st_ino), Arc::downgrade(&p));
                    p
                }
            }
        };
        Some(crate::kernel::pipe::fifo::open(ctx, &pipe, at, flags))
    }

    fn host_file(&self) -> Result<File, Errno> {
        let fd = self.read_fd()?.try_clone().map_err(|_| abi::errno::EMFILE)?;
        Ok(File::from(fd))
    }

    /// The host file itself: through its read-only descriptor, so that
    /// the host refuses any write to it through the mapping, but for a
    /// shared mapping that may write on a read-write tree, which maps a
    /// read-write descriptor and writes the host file. The file is one
    /// memory object, so that shared futexes in it meet (each name of a
    /// hard-linked file is one of its own).
    fn map(&self, want: MapWant) -> Result<HostMapping, Errno> {
        let (id, writers) = self.object.get_or_init(|| (crate::mm::next_object_id(), Arc::default()));
        if want.shared && want.may_write {
            self.writable()?;
            let fd = self.data(&self.rwfd, OFlag::O_RDWR)?.try_clone().map_err(|_| abi::errno::EMFILE)?;
            return Ok(HostMapping { file: File::from(fd), id: *id, writers: Some(writers.clone()) });
        }
        Ok(HostMapping { file: self.host_file()?, id: *id, writers: None })
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_files_are_read_only_and_renumbered() {
        let dir = std::env::temp_dir().join(format!("sbx-hostfs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/f"), b"contents").unwrap();
        std::os::unix::fs::symlink("../../..", dir.join("sub/escape")).unwrap();
        let root = open_root(&dir, 7, InoAllocator::new(), false).unwrap();
        let sub = root.lookup(b"sub").unwrap();
        let f = sub.lookup(b"f").unwrap();
        let a = f.attr();
        assert_eq!((a.dev, a.size), (7, 8));
        assert!(a.ino < 100, "a sandbox inode number");
        assert_eq!(f.attr().ino, sub.lookup(b"f").unwrap().attr().ino);
        let mut buf = [0u8; 16];
        assert_eq!(f.read_at(&mut buf, 3), Ok(5));
        assert_eq!(&buf[..5], b"tents");
        assert_eq!(f.write_at(b"x", 0), Err(EROFS));
        assert_eq!(sub.create(b"g", NodeSpec::Regular, 0o644, 0, 0).err(), Some(EROFS));
        assert_eq!(sub.lookup(b"..").err(), Some(ENOENT));
        assert_eq!(sub.lookup(b"escape/x").err(), Some(ENOENT));
        let link = sub.lookup(b"escape").unwrap();
        assert!(link.attr().is_symlink(), "a host link is opened, not followed");
        assert_eq!(link.readlink().unwrap(), b"../../..");
        let mut names: Vec<_> = sub.readdir().unwrap().into_iter().map(|e| e.name).collect();
        names.sort();
        assert_eq!(names, [b"escape".to_vec(), b"f".to_vec()]);
        std::fs::remove_dir_all(&dir).unwrap();
        let host_root = open_root(std::path::Path::new("/"), 7, InoAllocator::new(), false).unwrap();
        assert!(host_root.readdir().unwrap().iter().any(|e| e.name == b"etc"));
        assert!(host_root.lookup(b"etc").unwrap().attr().is_dir());
    }

    #[test]
    fn writes_go_to_the_host_and_keep_inode_numbers() {
        use std::os::unix::fs::MetadataExt;
        let dir = std::env::temp_dir().join(format!("sbx-hostfs-rw-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("etc")).unwrap();
        let root = open_root(&dir, 7, InoAllocator::new(), true).unwrap();
        let f = root.create(b"f", NodeSpec::Regular, 0o640, 0, 0).unwrap();
        assert_eq!(f.attr().mode, S_IFREG | 0o640, "the bits asked for, whatever the umask");
        assert_eq!(f.write_at(b"hello", 2), Ok(5));
        assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"\0\0hello");
        let d = root.create(b"d", NodeSpec::Directory, 0o700, 0, 0).unwrap();
        d.link(b"g", &f).unwrap();
        let g = d.lookup(b"g").unwrap();
        assert_eq!((g.attr().ino, g.attr().nlink), (f.attr().ino, 2));
        root.rename(b"f", &d, b"h", 0).unwrap();
        assert_eq!(d.lookup(b"h").unwrap().attr().ino, f.attr().ino);
        let mut buf = [0u8; 8];
        assert_eq!(f.read_at(&mut buf, 0), Ok(7), "data is reached after a rename");
        assert_eq!(d.rename(b"g", &root, b"etc", abi::fs::rename::NOREPLACE), Err(abi::errno::EEXIST));
        f.setattr(&SetAttr { size: Some(1), ..SetAttr::default() }).unwrap();
        assert_eq!(std::fs::metadata(dir.join("d/g")).unwrap().len(), 1);
        // Times go to the file itself; a link's to the link, never its target.
        f.setattr(&SetAttr { mtime: Some(5_000_000_007), ..SetAttr::default() }).unwrap();
        assert_eq!(f.attr().mtime, 5_000_000_007);
        let link = root.lookup(b"etc").unwrap();
        link.setattr(&SetAttr { atime: Some(-1_500_000_000), ..SetAttr::default() }).unwrap();
        assert_eq!(link.attr().atime, -1_500_000_000);
        assert_ne!(std::fs::metadata("/etc").unwrap().atime(), -2, "the target keeps its times");
        assert_eq!(root.unlink(b"d", true), Err(abi::errno::ENOTEMPTY));
        assert_eq!(root.create(b"c", NodeSpec::CharDevice(0x103), 0o600, 0, 0).err(), Some(EPERM));
        // user. attributes reach the host (where its filesystem has them).
        match f.set_xattr(b"user.k", b"v") {
            Ok(()) => {
                assert_eq!(f.get_xattr(b"user.k").unwrap(), b"v");
                assert_eq!(f.list_xattr().unwrap(), [b"user.k".to_vec()]);
                f.remove_xattr(b"user.k").unwrap();
                assert_eq!(f.get_xattr(b"user.k"), Err(ENODATA));
            }
            Err(e) => assert_eq!(e, EOPNOTSUPP, "the host's answer"),
        }
        assert_eq!(f.set_xattr(b"trusted.k", b"v"), Err(EOPNOTSUPP));
        // A planted link is replaced or removed itself, never followed.
        assert_eq!(root.create(b"etc", NodeSpec::Regular, 0o644, 0, 0).err(), Some(abi::errno::EEXIST));
        root.unlink(b"etc", false).unwrap();
        assert!(std::path::Path::new("/etc").is_dir());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
