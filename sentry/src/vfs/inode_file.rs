//! The open file of an inode in a filesystem: a regular file, a directory
//! (read with `getdents64`), a symbolic link or anything else opened with
//! `O_PATH`. It keeps the file position and the directory listing being
//! read, and reports its open, reads, writes, listings and last close to
//! inotify (see [`super::inotify`]).

use std::sync::{Arc, Weak};

use abi::errno::{EBADF, EINVAL, EISDIR, ENOTDIR, ENXIO};
use abi::fs::{o, seek, Stat};
use abi::Errno;
use parking_lot::Mutex;

use super::inode::DirEntry;
use super::inotify::{self, mask as in_mask};
use super::mount::Location;
use super::{FileOps, OpenFile};
use super::Context;

/// An open inode.
pub struct InodeFile {
    /// Where it was opened.
    pub loc: Location,
    pos: Mutex<u64>,
    /// The listing `getdents64` reads from, made when it reads at 0.
    listing: Mutex<Vec<DirEntry>>,
    file: Weak<OpenFile>,
    /// The inotify event of the last close (none for `O_PATH`).
    close_event: u32,
}

impl InodeFile {
    /// A new description of `loc` with `flags` (reported to inotify as
    /// an open unless it is `O_PATH`).
    pub fn open(loc: Location, flags: u32) -> Arc<OpenFile> {
        let close_event = if flags & o::PATH != 0 {
            0
        } else if matches!(flags & o::ACCMODE, o::WRONLY | o::RDWR) {
            in_mask::CLOSE_WRITE
        } else {
            in_mask::CLOSE_NOWRITE
        };
        if close_event != 0 {
            inotify::file_event(&loc, in_mask::OPEN);
        }
        OpenFile::new_cyclic(flags, |me| Box::new(InodeFile { loc, pos: Mutex::new(0), listing: Mutex::new(Vec::new()), file: me.clone(), close_event }))
    }

    fn flags(&self) -> u32 {
        self.file.upgrade().map_or(0, |f| f.flags())
    }

    /// Fills `out` with `linux_dirent64` records from the position on,
    /// as many as fit; `.` and `..` come first.
    pub fn getdents(&self, out_len: usize) -> Result<Vec<u8>, Errno> {
        if self.flags() & o::PATH != 0 {
            return Err(EBADF);
        }
        let a = self.loc.dentry.attr();
        if !a.is_dir() {
            return Err(ENOTDIR);
        }
        if self.loc.dentry.is_deleted() {
            return Ok(Vec::new());
        }
        let out = self.fill_dents(&a, out_len)?;
        inotify::file_event(&self.loc, in_mask::ACCESS);
        Ok(out)
    }

    fn fill_dents(&self, a: &super::inode::Attr, out_len: usize) -> Result<Vec<u8>, Errno> {
        let mut pos = self.pos.lock();
        let mut listing = self.listing.lock();
        if *pos == 0 {
            let parent_ino = self.loc.dentry.parent().map_or(a.ino, |p| p.attr().ino);
            let mut l = vec![
                DirEntry { name: b".".to_vec(), ino: a.ino, dtype: abi::fs::dt::DIR },
                DirEntry { name: b"..".to_vec(), ino: parent_ino, dtype: abi::fs::dt::DIR },
            ];
            l.extend(self.loc.inode().readdir()?);
            *listing = l;
        }
        let mut out = Vec::new();
        while let Some(e) = listing.get(*pos as usize) {
            let reclen = (19 + e.name.len() + 1).next_multiple_of(8);
            if out.len() + reclen > out_len {
                if out.is_empty() {
                    return Err(EINVAL);
                }
                break;
            }
            let next = *pos + 1;
            out.extend_from_slice(&e.ino.to_ne_bytes());
            out.extend_from_slice(&next.to_ne_bytes());
            out.extend_from_slice(&(reclen as u16).to_ne_bytes());
            out.push(e.dtype);
            out.extend_from_slice(&e.name);
            out.resize(out.len() + reclen - 19 - e.name.len(), 0);
            *pos = next;
        }
        Ok(out)
    }

    fn path_only(&self) -> Result<(), Errno> {
        if self.flags() & o::PATH != 0 {
            Err(EBADF)
        } else {
            Ok(())
        }
    }
}

impl Drop for InodeFile {
    /// The description's last close drops its OFD and `flock` locks.
    /// It is reported to inotify.
    fn drop(&mut self) {
        if self.close_event != 0 {
            inotify::file_event(&self.loc, self.close_event);
        }
        let a = self.loc.dentry.attr();
        super::lock::release(a.dev, a.ino, &super::lock::description_owner(self));
    }
}

/// What of `data` may be written at `offset` under `RLIMIT_FSIZE`
/// (`limit`): `EFBIG` at or past it (Linux also sends `SIGXFSZ`, which the
/// sandbox does not deliver yet), the bytes below it otherwise.
fn fsize_clamp(data: &[u8], offset: u64, limit: u64) -> Result<&[u8], Errno> {
    if data.is_empty() || offset.saturating_add(data.len() as u64) <= limit {
        return Ok(data);
    }
    if offset >= limit {
        return Err(abi::errno::EFBIG);
    }
    Ok(&data[..(limit - offset) as usize])
}

impl FileOps for InodeFile {
    fn read(&self, _ctx: &mut dyn Context, buf: &mut [u8], offset: Option<u64>) -> Result<usize, Errno> {
        self.path_only()?;
        let inode = self.loc.inode();
        if inode.attr().is_dir() {
            return Err(EISDIR);
        }
        let n = match offset {
            Some(off) => inode.read_at(buf, off)?,
            None => {
                let mut pos = self.pos.lock();
                let n = inode.read_at(buf, *pos)?;
                *pos += n as u64;
                n
            }
        };
        if n > 0 {
            inotify::file_event(&self.loc, in_mask::ACCESS);
        }
        Ok(n)
    }

    fn write(&self, ctx: &mut dyn Context, data: &[u8], offset: Option<u64>) -> Result<usize, Errno> {
        self.path_only()?;
        let inode = self.loc.inode();
        let limit = if inode.attr().is_regular() { ctx.file_size_limit() } else { u64::MAX };
        let n = match offset {
            // As Linux: pwrite on an O_APPEND description appends.
            Some(off) if self.flags() & o::APPEND == 0 => inode.write_at(fsize_clamp(data, off, limit)?, off)?,
            _ => {
                let mut pos = self.pos.lock();
                if self.flags() & o::APPEND != 0 {
                    *pos = inode.attr().size;
                }
                let n = inode.write_at(fsize_clamp(data, *pos, limit)?, *pos)?;
                if offset.is_none() {
                    *pos += n as u64;
                }
                n
            }
        };
        if n > 0 {
            inotify::file_event(&self.loc, in_mask::MODIFY);
        }
        Ok(n)
    }

    fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        self.path_only()?;
        let inode = self.loc.inode();
        let mut pos = self.pos.lock();
        let base = match whence {
            seek::SET => 0,
            seek::CUR => *pos as i64,
            seek::END => inode.attr().size as i64,
            seek::DATA | seek::HOLE => {
                if offset < 0 {
                    return Err(ENXIO);
                }
                let p = inode.seek_data(offset as u64, whence == seek::HOLE)?;
                *pos = p;
                return Ok(p);
            }
            _ => return Err(EINVAL),
        };
        let new = base.checked_add(offset).filter(|&p| p >= 0).ok_or(EINVAL)?;
        if new as u64 != *pos && inode.attr().is_dir() {
            // A directory's position is an index into its listing.
            if new == 0 {
                self.listing.lock().clear();
            }
        }
        *pos = new as u64;
        Ok(new as u64)
    }

    fn seekable(&self) -> bool {
        true
    }

    fn ioctl(&self, ctx: &mut dyn Context, cmd: u32, arg: u64) -> Result<u64, Errno> {
        let a = self.loc.dentry.attr();
        match cmd {
            abi::fs::ioctl::FIONREAD if a.is_regular() => {
                let left = a.size.saturating_sub(*self.pos.lock());
                let n = i32::try_from(left).unwrap_or(i32::MAX);
                ctx.copy_out(arg, &n.to_ne_bytes()).map(|_| 0)
            }
            _ => Err(abi::errno::ENOTTY),
        }
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.loc.dentry.attr().to_stat())
    }

    fn location(&self) -> Option<Location> {
        Some(self.loc.clone())
    }

    fn mmap_source(&self) -> Result<super::MmapSource, Errno> {
        if !self.loc.dentry.attr().is_regular() {
            return Err(abi::errno::ENODEV);
        }
        Ok(super::MmapSource::Inode(self.loc.clone()))
    }
}
