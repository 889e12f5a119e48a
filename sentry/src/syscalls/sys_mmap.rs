//! Memory: brk, mmap, munmap, mprotect, madvise, mremap, msync, mincore.

use abi::errno::{EACCES, EBADF, EINVAL, EOPNOTSUPP, EOVERFLOW};
use abi::fs::o;
use abi::mm::{map, prot};
use abi::PAGE_SIZE;

use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::mm::vma::FileObject;
use crate::mm::{MemoryManager, Source};
use crate::vfs::inode::MapWant;
use crate::vfs::{ops, MmapSource, OpenFile};

/// The flags `MAP_SHARED_VALIDATE` accepts for the files the sandbox maps
/// (Linux's `LEGACY_MAP_MASK`: none of them supports `MAP_SYNC`).
const LEGACY_MAP_MASK: u64 = map::SHARED
    | map::PRIVATE
    | map::FIXED
    | map::ANONYMOUS
    | map::DENYWRITE
    | map::EXECUTABLE
    | 0x400_0000 // MAP_UNINITIALIZED
    | map::GROWSDOWN
    | map::LOCKED
    | map::NORESERVE
    | map::POPULATE
    | map::NONBLOCK
    | map::STACK
    | map::HUGETLB;

/// `brk(addr)`.
pub fn brk(t: &mut Task, a: Args) -> SysResult {
    Ok(t.mm.brk(&mut t.ctx, a.u64(0)))
}

/// `mmap(addr, length, prot, flags, fd, offset)`.
pub fn mmap(t: &mut Task, a: Args) -> SysResult {
    let (addr, len, prot, flags, fd, off) = (a.u64(0), a.u64(1), a.u64(2), a.u64(3), a.int(4), a.u64(5));
    if off % PAGE_SIZE != 0 {
        return Err(EINVAL);
    }
    let source = if flags & map::ANONYMOUS != 0 {
        MemoryManager::check_mmap(len, prot, flags)?;
        // MAP_SHARED_VALIDATE is for files only.
        if flags & map::TYPE == map::SHARED_VALIDATE {
            return Err(EINVAL);
        }
        Source::Anonymous { shared: flags & map::TYPE == map::SHARED }
    } else {
        let file = t.fds.get(fd)?;
        if file.flags() & o::PATH != 0 {
            return Err(EBADF);
        }
        let len = MemoryManager::check_mmap(len, prot, flags)?;
        file_source(t, &file, len, prot, flags, off)?
    };
    t.mm.mmap(&mut t.ctx, addr, len, prot, flags, source)
}

/// What `mmap` of `file` maps, after Linux's checks of the description
/// (`len` is page-rounded and the flags' type valid).
fn file_source(t: &Task, file: &OpenFile, len: u64, p: u64, flags: u64, off: u64) -> Result<Source, abi::Errno> {
    if off > (i64::MAX as u64).saturating_sub(len) {
        return Err(EOVERFLOW);
    }
    let shared = flags & map::TYPE != map::PRIVATE;
    if flags & map::TYPE == map::SHARED_VALIDATE && flags & !LEGACY_MAP_MASK != 0 {
        return Err(EOPNOTSUPP);
    }
    if shared && p & prot::WRITE != 0 && !file.writable() {
        return Err(EACCES);
    }
    if !file.readable() {
        return Err(EACCES);
    }
    // A shared mapping of a description not open for writing can never
    // write (Linux drops its VM_MAYWRITE).
    let want = MapWant { shared, write: p & prot::WRITE != 0, may_write: file.writable() };
    match file.ops.mmap_source()? {
        // Shared memory only where the mapping may write it; otherwise
        // nobody could tell it from private memory (as Linux drops
        // VM_SHARED there).
        MmapSource::Zero => Ok(Source::Anonymous { shared: shared && want.may_write }),
        MmapSource::Inode(loc) => {
            let m = loc.inode().map(want)?;
            let a = loc.dentry.attr();
            let name = ops::path_of(&t.fs.root(), &loc).unwrap_or_else(|| loc.dentry.name());
            let object = FileObject { id: m.id, dev: a.dev, ino: a.ino, writers: m.writers };
            Ok(Source::File { file: m.file, offset: off, shared, name: String::from_utf8_lossy(&name).into_owned(), object })
        }
    }
}

/// `munmap(addr, length)`.
pub fn munmap(t: &mut Task, a: Args) -> SysResult {
    t.mm.munmap(&mut t.ctx, a.u64(0), a.u64(1)).map(|_| 0)
}

/// `mprotect(addr, length, prot)`.
pub fn mprotect(t: &mut Task, a: Args) -> SysResult {
    t.mm.mprotect(&mut t.ctx, a.u64(0), a.u64(1), a.u64(2)).map(|_| 0)
}

/// `madvise(addr, length, advice)`.
pub fn madvise(t: &mut Task, a: Args) -> SysResult {
    t.mm.madvise(&mut t.ctx, a.u64(0), a.u64(1), a.u64(2)).map(|_| 0)
}

/// `mremap(old, old_size, new_size, flags, new_address)`.
pub fn mremap(t: &mut Task, a: Args) -> SysResult {
    t.mm.mremap(&mut t.ctx, a.u64(0), a.u64(1), a.u64(2), a.u64(3), a.u64(4))
}

/// `msync(addr, length, flags)`.
pub fn msync(t: &mut Task, a: Args) -> SysResult {
    t.mm.msync(&mut t.ctx, a.u64(0), a.u64(1), a.u64(2)).map(|_| 0)
}

/// `mincore(addr, length, vec)`.
pub fn mincore(t: &mut Task, a: Args) -> SysResult {
    t.mm.mincore(&mut t.ctx, a.u64(0), a.u64(1), a.u64(2)).map(|_| 0)
}
