//! The host passthrough filesystem: a host directory tree, read-only.
//!
//! Every inode holds an `O_PATH` descriptor of its host file, opened by
//! the sentry itself one name at a time relative to its parent's
//! descriptor with `O_NOFOLLOW`: the VFS walks `..` and symbolic links in
//! the sandbox's own tree, so no host link and no `..` can lead outside
//! the host directory. Data is read through a descriptor opened the same
//! way and checked to be the same host file, and `mmap` maps the host
//! file through that read-only descriptor. Host inode numbers and
//! devices are never shown: each host file gets a number of the
//! sandbox's, and the filesystem one device number. Writes are `EROFS`.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, OnceLock};

use abi::errno::{EINVAL, EIO, EISDIR, ENOENT, EROFS};
use abi::fs::Statfs;
use abi::Errno;
use parking_lot::Mutex;

use super::inode::{dtype_of, Attr, DirEntry, HostMapping, InoAllocator, Inode, InodeRef, MapWant, NodeSpec, SetAttr};

struct Shared {
    dev: u64,
    inos: Arc<InoAllocator>,
    /// Host (device, inode) to the sandbox's inode number.
    map: Mutex<HashMap<(u64, u64), u64>>,
}

impl Shared {
    fn ino(&self, dev: u64, ino: u64) -> u64 {
        *self.map.lock().entry((dev, ino)).or_insert_with(|| self.inos.next())
    }
}

/// A host file.
pub struct HostNode {
    fs: Arc<Shared>,
    /// The `O_PATH` descriptor.
    path_fd: Arc<OwnedFd>,
    /// The parent's descriptor and the name, to open the data from (none
    /// for the root).
    parent: Option<(Arc<OwnedFd>, CString)>,
    /// The descriptor to read a regular file's data through.
    data: OnceLock<Result<OwnedFd, Errno>>,
}

fn last_errno() -> Errno {
    Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(EIO.0))
}

fn host_stat(fd: &OwnedFd) -> Result<libc::stat, Errno> {
    // SAFETY: libc::stat is plain data for fstatat to fill.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: the path is an empty NUL-terminated string and `st` is valid.
    let r = unsafe { libc::fstatat(fd.as_raw_fd(), c"".as_ptr(), &mut st, libc::AT_EMPTY_PATH | libc::AT_SYMLINK_NOFOLLOW) };
    if r < 0 {
        return Err(last_errno());
    }
    Ok(st)
}

/// `openat(dir, name, flags)` as an owned descriptor.
fn open_at(dir: &OwnedFd, name: &std::ffi::CStr, flags: i32) -> Result<OwnedFd, Errno> {
    // SAFETY: `name` is NUL-terminated; the result is a new descriptor.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags | libc::O_CLOEXEC | libc::O_NOFOLLOW) };
    if fd < 0 {
        return Err(last_errno());
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens the host directory `path` as the root of a read-only filesystem
/// with device number `dev`, numbering its inodes from `inos`.
pub fn open_root(path: &std::path::Path, dev: u64, inos: Arc<InoAllocator>) -> std::io::Result<InodeRef> {
    let c = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `c` is NUL-terminated; the result is a new descriptor.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let path_fd = Arc::new(unsafe { OwnedFd::from_raw_fd(fd) });
    let fs = Arc::new(Shared { dev, inos, map: Mutex::new(HashMap::new()) });
    Ok(Arc::new(HostNode { fs, path_fd, parent: None, data: OnceLock::new() }))
}

impl HostNode {
    /// The descriptor for reading: the directory itself, or the file
    /// opened again by name, which must still be the same host file.
    fn data_fd(&self) -> Result<&OwnedFd, Errno> {
        self.data
            .get_or_init(|| {
                let st = host_stat(&self.path_fd)?;
                if st.st_mode & libc::S_IFMT != libc::S_IFREG {
                    return Err(EINVAL);
                }
                let (parent, name) = self.parent.as_ref().ok_or(EISDIR)?;
                let fd = open_at(parent, name, libc::O_RDONLY | libc::O_NONBLOCK)?;
                let again = host_stat(&fd)?;
                if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino) {
                    return Err(ENOENT);
                }
                Ok(fd)
            })
            .as_ref()
            .map_err(|e| *e)
    }
}

impl Inode for HostNode {
    fn attr(&self) -> Attr {
        let Ok(st) = host_stat(&self.path_fd) else {
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

    fn setattr(&self, _set: &SetAttr) -> Result<(), Errno> {
        Err(EROFS)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        if name.contains(&b'/') || name == b"." || name == b".." || name.is_empty() {
            return Err(ENOENT);
        }
        let c = CString::new(name).map_err(|_| ENOENT)?;
        let fd = open_at(&self.path_fd, &c, libc::O_PATH)?;
        Ok(Arc::new(HostNode { fs: self.fs.clone(), path_fd: Arc::new(fd), parent: Some((self.path_fd.clone(), c)), data: OnceLock::new() }))
    }

    fn create(&self, _name: &[u8], _spec: NodeSpec, _perm: u32, _uid: u32, _gid: u32) -> Result<InodeRef, Errno> {
        Err(EROFS)
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(EROFS)
    }

    fn unlink(&self, _name: &[u8], _dir: bool) -> Result<(), Errno> {
        Err(EROFS)
    }

    fn rename(&self, _old: &[u8], _new_dir: &InodeRef, _new: &[u8], _flags: u32) -> Result<(), Errno> {
        Err(EROFS)
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let dir = open_at(&self.path_fd, c".", libc::O_RDONLY | libc::O_DIRECTORY)?;
        let st = host_stat(&dir)?;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            // SAFETY: `buf` is writable for its length.
            let n = unsafe { libc::syscall(libc::SYS_getdents64, dir.as_raw_fd(), buf.as_mut_ptr(), buf.len()) };
            if n < 0 {
                return Err(last_errno());
            }
            if n == 0 {
                return Ok(out);
            }
            let mut at = 0usize;
            while at + 19 <= n as usize {
                let ino = u64::from_ne_bytes(buf[at..at + 8].try_into().expect("8 bytes"));
                let reclen = u16::from_ne_bytes(buf[at + 16..at + 18].try_into().expect("2 bytes")) as usize;
                let dtype = buf[at + 18];
                if reclen < 20 || at + reclen > n as usize {
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
        // SAFETY: `buf` is writable for its length; the path is empty.
        let n = unsafe { libc::readlinkat(self.path_fd.as_raw_fd(), c"".as_ptr(), buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
        if n < 0 {
            return Err(if last_errno() == ENOENT { EINVAL } else { last_errno() });
        }
        buf.truncate(n as usize);
        Ok(buf)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        if dtype_of(self.attr().mode) == abi::fs::dt::DIR {
            return Err(EISDIR);
        }
        let fd = self.data_fd()?;
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { libc::pread(fd.as_raw_fd(), buf.as_mut_ptr() as *mut libc::c_void, buf.len(), offset as libc::off_t) };
        if n < 0 {
            return Err(last_errno());
        }
        Ok(n as usize)
    }

    fn write_at(&self, _data: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(EROFS)
    }

    fn statfs(&self) -> Statfs {
        // SAFETY: libc::statfs is plain data for fstatfs to fill.
        let mut s: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: `s` is a valid buffer.
        if unsafe { libc::fstatfs(self.path_fd.as_raw_fd(), &mut s) } < 0 {
            return Statfs::default();
        }
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
            flags: 1, /* ST_RDONLY */
            ..Statfs::default()
        }
    }

    fn host_file(&self) -> Result<File, Errno> {
        let fd = self.data_fd()?.try_clone().map_err(|_| abi::errno::EMFILE)?;
        Ok(File::from(fd))
    }

    /// The host file itself, through its read-only descriptor, so the
    /// host refuses any write to it through a mapping. Each mapping is a
    /// memory object of its own (its futexes are not shared with other
    /// mappings of the file; nothing can write them anyway).
    fn map(&self, want: MapWant) -> Result<HostMapping, Errno> {
        if want.shared && want.may_write {
            return Err(EROFS);
        }
        Ok(HostMapping { file: self.host_file()?, id: crate::mm::next_object_id(), writers: None })
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
        let root = open_root(&dir, 7, InoAllocator::new()).unwrap();
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
        let host_root = open_root(std::path::Path::new("/"), 7, InoAllocator::new()).unwrap();
        assert!(host_root.readdir().unwrap().iter().any(|e| e.name == b"etc"));
        assert!(host_root.lookup(b"etc").unwrap().attr().is_dir());
    }
}
