//! Memory: brk, mmap, munmap, mprotect, madvise, mremap.

use abi::errno::EINVAL;
use abi::mm::map;
use abi::PAGE_SIZE;

use super::{Args, SysResult};
use crate::kernel::task::Task;

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
    let anonymous = flags & map::ANONYMOUS != 0;
    if !anonymous {
        t.fds.get(fd)?;
    }
    t.mm.mmap(&mut t.ctx, addr, len, prot, flags, anonymous)
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
