//! Inodes: what each filesystem implements for its files, and the
//! attributes the VFS reads from them.
//!
//! The VFS does every check Linux's generic code does (permissions, read-only
//! mounts, the kinds of file an operation takes, sticky directories) before
//! it calls an inode; an inode enforces only what its filesystem alone
//! knows (that a name exists or not, that a directory is empty, that it is
//! read-only). Names passed to an inode are one component: never empty,
//! never `.` or `..`, without `/`, at most `NAME_MAX` bytes.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;

use abi::errno::{EINVAL, EIO, ENODATA, ENOTDIR, ENXIO, EOPNOTSUPP, EPERM};
use abi::fs::{dt, mode, Stat, Statfs, Statx};
use abi::Errno;

use super::OpenFile;
use super::Context;

/// An inode, shared by every dentry and open file that names it.
pub type InodeRef = Arc<dyn Inode>;

/// Nanoseconds since the epoch, as every inode time is kept.
pub type Nanos = i64;

/// The current time for inode timestamps (the realtime clock).
pub fn now_ns() -> Nanos {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The attributes `stat` and `statx` report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attr {
    /// The sandbox's inode number.
    pub ino: u64,
    /// The sandbox's device number of the filesystem.
    pub dev: u64,
    /// File type and permission bits.
    pub mode: u32,
    /// Hard links.
    pub nlink: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// The device a device file stands for.
    pub rdev: u64,
    /// Size in bytes.
    pub size: u64,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    /// Last access.
    pub atime: Nanos,
    /// Last change of the data.
    pub mtime: Nanos,
    /// Last change of the inode.
    pub ctime: Nanos,
    /// Creation.
    pub btime: Nanos,
}

fn split(t: Nanos) -> (i64, i64) {
    (t.div_euclid(1_000_000_000), t.rem_euclid(1_000_000_000))
}

/// The major and minor numbers of a device number, as `MAJOR`/`MINOR` do.
pub fn dev_split(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

/// The device number of `major:minor` (`makedev`).
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xfff) << 8) | ((ma & !0xfff) << 32) | (mi & 0xff) | ((mi & !0xff) << 12)
}

impl Attr {
    /// The file type bits.
    pub fn kind(&self) -> u32 {
        self.mode & mode::S_IFMT
    }

    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind() == mode::S_IFDIR
    }

    /// Whether it is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.kind() == mode::S_IFLNK
    }

    /// Whether it is a regular file.
    pub fn is_regular(&self) -> bool {
        self.kind() == mode::S_IFREG
    }

    /// As `struct stat`.
    pub fn to_stat(&self) -> Stat {
        let (a, an) = split(self.atime);
        let (m, mn) = split(self.mtime);
        let (c, cn) = split(self.ctime);
        Stat {
            dev: self.dev,
            ino: self.ino,
            nlink: self.nlink,
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            rdev: self.rdev,
            size: self.size as i64,
            blksize: abi::PAGE_SIZE as i64,
            blocks: self.blocks as i64,
            atime: a,
            atime_nsec: an,
            mtime: m,
            mtime_nsec: mn,
            ctime: c,
            ctime_nsec: cn,
            ..Stat::default()
        }
    }

    /// The attributes a `struct stat` holds (no birth time).
    pub fn from_stat(st: &Stat) -> Attr {
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Attr {
            ino: st.ino,
            dev: st.dev,
            mode: st.mode,
            nlink: st.nlink,
            uid: st.uid,
            gid: st.gid,
            rdev: st.rdev,
            size: st.size as u64,
            blocks: st.blocks as u64,
            atime: ns(st.atime, st.atime_nsec),
            mtime: ns(st.mtime, st.mtime_nsec),
            ctime: ns(st.ctime, st.ctime_nsec),
            btime: 0,
        }
    }

    /// As `struct statx`, with every basic field and the birth time.
    pub fn to_statx(&self) -> Statx {
        let ts = |t: Nanos| {
            let (s, n) = split(t);
            abi::fs::StatxTimestamp { sec: s, nsec: n as u32, reserved: 0 }
        };
        let (rma, rmi) = dev_split(self.rdev);
        let (dma, dmi) = dev_split(self.dev);
        Statx {
            mask: abi::fs::statx::BASIC_STATS | abi::fs::statx::BTIME,
            blksize: abi::PAGE_SIZE as u32,
            nlink: self.nlink as u32,
            uid: self.uid,
            gid: self.gid,
            mode: self.mode as u16,
            ino: self.ino,
            size: self.size,
            blocks: self.blocks,
            atime: ts(self.atime),
            btime: ts(self.btime),
            ctime: ts(self.ctime),
            mtime: ts(self.mtime),
            rdev_major: rma,
            rdev_minor: rmi,
            dev_major: dma,
            dev_minor: dmi,
            ..Statx::default()
        }
    }

    /// The `d_type` of a directory entry for this inode.
    pub fn dtype(&self) -> u8 {
        dtype_of(self.mode)
    }
}

/// The `d_type` of file mode `m`.
pub fn dtype_of(m: u32) -> u8 {
    match m & mode::S_IFMT {
        mode::S_IFREG => dt::REG,
        mode::S_IFDIR => dt::DIR,
        mode::S_IFLNK => dt::LNK,
        mode::S_IFIFO => dt::FIFO,
        mode::S_IFCHR => dt::CHR,
        mode::S_IFBLK => dt::BLK,
        mode::S_IFSOCK => dt::SOCK,
        _ => dt::UNKNOWN,
    }
}

/// Changes to an inode's attributes (`chmod`, `chown`, `utimensat`,
/// `truncate`); the inode's change time becomes `ctime`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetAttr {
    /// New permission bits (the type bits are kept).
    pub mode: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New size (the data is cut or extended with zeros).
    pub size: Option<u64>,
    /// New access time.
    pub atime: Option<Nanos>,
    /// New modification time.
    pub mtime: Option<Nanos>,
    /// The time of the change.
    pub ctime: Nanos,
}

/// What a new inode is to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeSpec {
    /// An empty regular file.
    Regular,
    /// An empty directory.
    Directory,
    /// A symbolic link to the target.
    Symlink(Vec<u8>),
    /// A named pipe.
    Fifo,
    /// A character device with this device number.
    CharDevice(u64),
    /// A socket file: the name a Unix socket binds (the socket itself is
    /// found by the file's device and inode number, see
    /// `crate::socket::unix`).
    Socket,
}

impl NodeSpec {
    /// The file type bits of the new inode.
    pub fn kind(&self) -> u32 {
        match self {
            NodeSpec::Regular => mode::S_IFREG,
            NodeSpec::Directory => mode::S_IFDIR,
            NodeSpec::Symlink(_) => mode::S_IFLNK,
            NodeSpec::Fifo => mode::S_IFIFO,
            NodeSpec::CharDevice(_) => mode::S_IFCHR,
            NodeSpec::Socket => mode::S_IFSOCK,
        }
    }
}

/// One directory entry, as `getdents64` lists it (without `.` and `..`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Its name.
    pub name: Vec<u8>,
    /// The inode number it names.
    pub ino: u64,
    /// Its `d_type`.
    pub dtype: u8,
}

/// An inode as [`std::any::Any`], to find a filesystem's own type behind
/// an [`InodeRef`] (a rename or link within one filesystem).
pub trait IntoAny {
    /// `self` as an `Any`.
    fn into_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync>;
}

impl<T: std::any::Any + Send + Sync> IntoAny for T {
    fn into_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

/// What a filesystem does for one of its inodes. Every method but
/// [`Inode::attr`] and [`Inode::statfs`] has Linux's answer for a file
/// that cannot do it.
pub trait Inode: IntoAny + Send + Sync {
    /// Its attributes now.
    fn attr(&self) -> Attr;

    /// Changes attributes; the VFS has checked the caller may.
    fn setattr(&self, set: &SetAttr) -> Result<(), Errno> {
        let _ = set;
        Err(EPERM)
    }

    /// The inode `name` in this directory (`ENOENT` if there is none).
    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        let _ = name;
        Err(ENOTDIR)
    }

    /// Makes a new inode `name` in this directory (`EEXIST` if the name is
    /// taken) with permission bits `perm` and owner `uid`/`gid`.
    fn create(&self, name: &[u8], spec: NodeSpec, perm: u32, uid: u32, gid: u32) -> Result<InodeRef, Errno> {
        let _ = (name, spec, perm, uid, gid);
        Err(ENOTDIR)
    }

    /// Makes a regular file with no name and no link in this directory
    /// (`O_TMPFILE`), with permission bits `perm` and owner `uid`/`gid`;
    /// `EOPNOTSUPP` where the filesystem cannot.
    fn tmpfile(&self, perm: u32, uid: u32, gid: u32) -> Result<InodeRef, Errno> {
        let _ = (perm, uid, gid);
        Err(EOPNOTSUPP)
    }

    /// Adds `name` in this directory as a new link to `target` (`EXDEV`
    /// when it belongs to another filesystem).
    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let _ = (name, target);
        Err(ENOTDIR)
    }

    /// Removes `name` from this directory: a directory (which must be
    /// empty, else `ENOTEMPTY`) when `dir`, anything else otherwise.
    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        let _ = (name, dir);
        Err(ENOTDIR)
    }

    /// Moves `old` in this directory to `new` in `new_dir` (of the same
    /// filesystem), replacing what `new` named unless `flags` say
    /// otherwise (`RENAME_NOREPLACE`, `RENAME_EXCHANGE`). The VFS has
    /// checked the kinds of the two files and that the move makes no loop.
    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8], flags: u32) -> Result<(), Errno> {
        let _ = (old, new_dir, new, flags);
        Err(ENOTDIR)
    }

    /// The directory's entries, `.` and `..` excluded.
    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        Err(ENOTDIR)
    }

    /// A symbolic link's target.
    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        Err(EINVAL)
    }

    /// Whether the dentries naming this inode's children may be kept
    /// while unused ([`super::dentry`]): true where nothing but the
    /// sandbox changes the directory (tmpfs, and the overlay, whose lower
    /// layer is taken as fixed), so that a kept name cannot go stale; a
    /// bound host directory may change under it, and procfs is made anew
    /// at each lookup.
    fn keeps_names(&self) -> bool {
        false
    }

    /// For a link that names a file rather than a path (`/proc/self/fd/N`,
    /// `/proc/self/cwd`): where following it leads, or why it cannot be
    /// followed; `None` for an ordinary symbolic link, whose target is a
    /// path.
    fn jump(&self) -> Option<Result<super::Location, Errno>> {
        None
    }

    /// For a file without a name in any directory whose filesystem makes
    /// up its name (Linux's `d_dname`: `pipe:[N]`, `anon_inode:[eventfd]`;
    /// see [`super::nameless`]): that name, which is its whole path.
    fn dname(&self) -> Option<Vec<u8>> {
        None
    }

    /// Reads at `offset`; 0 at or past the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let _ = (buf, offset);
        Err(EINVAL)
    }

    /// Writes at `offset`, extending the file as needed.
    fn write_at(&self, data: &[u8], offset: u64) -> Result<usize, Errno> {
        let _ = (data, offset);
        Err(EINVAL)
    }

    /// `SEEK_DATA` (`hole` false) or `SEEK_HOLE` (`hole` true) from
    /// `offset`: by default the whole file is data.
    fn seek_data(&self, offset: u64, hole: bool) -> Result<u64, Errno> {
        let size = self.attr().size;
        if offset >= size {
            return Err(ENXIO);
        }
        Ok(if hole { size } else { offset })
    }

    /// Readies the file to be written through a description about to be
    /// opened for writing (an overlay copies it up).
    fn prepare_write(&self) -> Result<(), Errno> {
        Ok(())
    }

    /// Makes the file's data durable (`fsync`): nothing to do in memory.
    fn sync(&self) -> Result<(), Errno> {
        Ok(())
    }

    /// The filesystem's figures for `statfs`.
    fn statfs(&self) -> Statfs;

    /// An extended attribute's value.
    fn get_xattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        let _ = name;
        Err(ENODATA)
    }

    /// Sets an extended attribute.
    fn set_xattr(&self, name: &[u8], value: &[u8]) -> Result<(), Errno> {
        let _ = (name, value);
        Err(EOPNOTSUPP)
    }

    /// The names of the extended attributes.
    fn list_xattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        Ok(Vec::new())
    }

    /// Removes an extended attribute.
    fn remove_xattr(&self, name: &[u8]) -> Result<(), Errno> {
        let _ = name;
        Err(EOPNOTSUPP)
    }

    /// Refuses an open (not `O_PATH`) that the file's own rules forbid
    /// after its permission bits allowed it (a `/proc/PID` file of a
    /// process the caller may not inspect).
    fn check_open(&self) -> Result<(), Errno> {
        Ok(())
    }

    /// The open file for an inode that opens as something of its own,
    /// whatever its type (a named pipe; a pipe, host descriptor or
    /// anonymous file reached through `/proc/PID/fd/N`, see
    /// [`super::nameless`]), or `None` for the VFS's file on the inode's
    /// data (or, for a device node, the device's). `at` is where it was
    /// found, for the file to name (a named pipe's). Asked after the
    /// permission checks, with all of `open`'s flags (`O_TRUNC` too, for
    /// the inode to honour or ignore); the description keeps none of
    /// `O_CREAT`, `O_EXCL`, `O_NOCTTY` and `O_TRUNC`.
    fn open_special(&self, ctx: &mut dyn Context, at: &super::Location, flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        let _ = (ctx, at, flags);
        None
    }

    /// A host file with the file's contents, for the loader to map: by
    /// default an anonymous memory file holding a copy.
    fn host_file(&self) -> Result<File, Errno> {
        copy_to_memfd(self)
    }

    /// The file's data for `mmap`, as `want` describes the mapping (the
    /// caller has checked the description's access mode against it):
    /// `ENODEV`, the default, for files that cannot be mapped; `EPERM` when
    /// a seal forbids the mapping.
    fn map(&self, want: MapWant) -> Result<HostMapping, Errno> {
        let _ = want;
        Err(abi::errno::ENODEV)
    }
}

/// What a new `mmap` of a file needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapWant {
    /// `MAP_SHARED` (otherwise private: writes never reach the file).
    pub shared: bool,
    /// `PROT_WRITE` now.
    pub write: bool,
    /// The description is open for writing, so a shared mapping may be
    /// made writable later.
    pub may_write: bool,
}

/// A file's data as the stub maps it.
pub struct HostMapping {
    /// A host descriptor of the data, open for writing only when the
    /// mapping may write the file (a shared mapping with
    /// [`HostMapping::writers`]).
    pub file: File,
    /// The memory object's identity (see [`crate::mm::vma::FileObject`]).
    pub id: u64,
    /// For a shared mapping that may write the file: the file's count of
    /// such mappings, which the mapping holds.
    pub writers: Option<Arc<crate::mm::vma::Writers>>,
}

/// A new empty anonymous memory file of the sentry's (`ENOMEM` when the
/// host has no descriptor or memory left for it).
pub fn new_memfd() -> Result<File, Errno> {
    let memfd = memfd::MemfdOptions::default().close_on_exec(true).create("sandbox-file");
    memfd.map(memfd::Memfd::into_file).map_err(|_| abi::errno::ENOMEM)
}

/// A read-only descriptor of the host file `f` (opened again through
/// `/proc/self/fd`), to map it where nothing may write it.
pub fn reopen_read_only(f: &File) -> Result<File, Errno> {
    use std::os::fd::AsRawFd;
    File::open(format!("/proc/self/fd/{}", f.as_raw_fd())).map_err(|_| abi::errno::ENOMEM)
}

/// An anonymous memory file holding a copy of `inode`'s data.
pub fn copy_to_memfd(inode: &(impl Inode + ?Sized)) -> Result<File, Errno> {
    let mut file = new_memfd()?;
    let mut buf = vec![0u8; 1 << 16];
    let mut off = 0u64;
    loop {
        let n = inode.read_at(&mut buf, off)?;
        if n == 0 {
            return Ok(file);
        }
        file.write_all(&buf[..n]).map_err(|_| EIO)?;
        off += n as u64;
    }
}

/// Inode numbers for one filesystem (or a group of filesystems sharing a
/// device number, as an overlay's layers): never reused.
#[derive(Debug, Default)]
pub struct InoAllocator(std::sync::atomic::AtomicU64);

impl InoAllocator {
    /// An allocator whose first number is 2 (1 is traditionally unused).
    pub fn new() -> Arc<InoAllocator> {
        Arc::new(InoAllocator(std::sync::atomic::AtomicU64::new(2)))
    }

    /// The next number.
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_split_as_linux() {
        assert_eq!(dev_split(makedev(1, 3)), (1, 3));
        assert_eq!(makedev(1, 3), 0x103);
        assert_eq!(dev_split(makedev(300, 70000)), (300, 70000));
    }

    #[test]
    fn dtype_follows_the_mode() {
        assert_eq!(dtype_of(mode::S_IFDIR | 0o755), dt::DIR);
        assert_eq!(dtype_of(mode::S_IFLNK | 0o777), dt::LNK);
        assert_eq!(dtype_of(0o600), dt::UNKNOWN);
    }
}
