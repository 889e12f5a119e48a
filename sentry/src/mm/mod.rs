//! Memory management: the authoritative map of an app address space.
//!
//! The sentry decides where everything goes and keeps the list of areas
//! ([`vma::VmaSet`]); the stub only carries out the resulting host
//! operations, always at fixed addresses. The stub's own ranges (its image,
//! the shared region, its host stack and the host vDSO) are never part of
//! the app's map: the app can neither map over them nor unmap them, and
//! addresses there are `EFAULT` to system calls.
//!
//! File mappings ([`Source::File`]) are host mappings of a host descriptor
//! the sentry sends the stub (a host file, or the memory file a tmpfs
//! file's data lives in once mapped), so the host keeps `MAP_SHARED`
//! mappings coherent with the file and with other processes, shares them
//! with forked children, and raises `SIGBUS` past the end of the file. A
//! shared mapping records whether it may be made writable; `mprotect`
//! refuses `PROT_WRITE` to one that may not (`EACCES`).
//!
//! One address space may serve several processes: a child made with
//! `CLONE_VM` (`vfork`, `posix_spawn`) holds its parent's
//! `Arc<MemoryManager>`, so its `mmap` and `munmap` change the parent's map
//! as on Linux, and [`Users`] counts the processes in it so that the host
//! process behind it ends only with the last of them.
//!
//! Committed memory (private writable areas) counts against the sandbox's
//! [`MemoryBudget`], if it has one: the changes of the map settle it as
//! they release the state's lock, and allocations check it first.
//!
//! Limitations: `MREMAP_DONTUNMAP` and `mremap` of a zero length are not
//! modelled yet.

mod budget;
mod page_reader;
mod patching;
pub mod vma;

pub use budget::MemoryBudget;

pub use page_reader::PageReader;

use std::ops::Range;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use abi::errno::{EACCES, EEXIST, EFAULT, EINVAL, ENOMEM};
use abi::mm::{madv, map, mremap, prot};
use abi::wire;
use abi::{page_up, sysno, Errno, PAGE_SIZE};
use interposer::{Batch, Context};
use parking_lot::Mutex;

use vma::{Backing, FileObject, Vma, VmaSet};

/// One past the highest app address (Linux's `TASK_SIZE` on x86_64).
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;
/// The top of the initial stack. Everything above belongs to the host
/// (the stub's image at 0x7fc0_0000_0000, its region, stack and vDSO).
pub const STACK_TOP: u64 = 0x7e00_0000_0000;
/// Where static-PIE images are loaded (Linux's `ELF_ET_DYN_BASE` without
/// randomisation).
pub const PIE_BASE: u64 = 0x5555_5555_4000;
/// The lowest address `mmap` hands out (`vm.mmap_min_addr`).
pub const MMAP_MIN_ADDR: u64 = 0x10000;
/// Room kept between the stack top and the highest `mmap` area.
const STACK_GAP: u64 = 128 << 20;

/// A new identity for a shared memory object.
pub fn next_object_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// `msync` flags.
mod ms {
    pub const ASYNC: u64 = 1;
    pub const INVALIDATE: u64 = 2;
    pub const SYNC: u64 = 4;
}

/// What a new `mmap` maps.
pub enum Source {
    /// Anonymous memory: private, or one new shared object when `shared`.
    Anonymous {
        /// `MAP_SHARED`.
        shared: bool,
    },
    /// A file's data.
    File {
        /// The host descriptor the stub maps.
        file: std::fs::File,
        /// The file offset of the mapping's start.
        offset: u64,
        /// `MAP_SHARED` (otherwise private: writes stay in the process).
        shared: bool,
        /// The file's path, for `/proc/PID/maps`.
        name: String,
        /// The file's memory object.
        object: FileObject,
    },
}

/// The model's state of one address space.
#[derive(Clone)]
struct State {
    vmas: VmaSet,
    /// The top of the mmap area: `mmap` without an address places
    /// top-down from here (see `loader::layout`).
    mmap_base: u64,
    /// Where the heap starts (just after the image).
    brk_start: u64,
    /// The current program break.
    brk: u64,
    /// Syscall-site patching: trampolines and per-site trap counts.
    patching: patching::Patching,
    /// Ranges the app may never touch: the stub's, and the trampolines.
    blocked: Vec<Range<u64>>,
    /// Where `execve` put the argument and environment strings.
    strings: ArgStrings,
    /// The auxiliary vector `execve` gave the image, `AT_NULL` included
    /// (what `/proc/PID/auxv` reads).
    auxv: Vec<(u64, u64)>,
    /// The committed bytes charged to the budget (see [`MemoryBudget`]).
    committed: u64,
}

/// Where the initial stack holds the argument and environment strings
/// (Linux's `arg_start`, `arg_end`, `env_start` and `env_end`): what
/// `/proc/PID/cmdline` and `environ` read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArgStrings {
    /// The arguments' strings, NULs included.
    pub args: (u64, u64),
    /// The environment's strings, NULs included.
    pub env: (u64, u64),
}

impl State {
    /// Whether `[addr, addr + len)` lies in user space and outside every
    /// blocked range.
    fn is_user(&self, addr: u64, len: u64) -> bool {
        let Some(end) = addr.checked_add(len) else { return false };
        end <= TASK_SIZE && !self.blocked.iter().any(|r| r.start < end && addr < r.end)
    }

    /// Maps anonymous memory at a fixed place (host op), recording it.
    fn map(&mut self, ctx: &mut Context, start: u64, len: u64, p: u64, flags: u64, backing: Backing) -> Result<(), Errno> {
        let end = start.checked_add(len).ok_or(ENOMEM)?;
        if end > TASK_SIZE || !self.is_user(start, len) {
            return Err(ENOMEM);
        }
        let host_flags = (flags & (map::TYPE | map::NORESERVE | map::POPULATE)) | map::ANONYMOUS | map::FIXED;
        let got = host(ctx.host_op(sysno::MMAP as u64, [start, len, p, host_flags, u64::MAX, 0]))?;
        if got != start {
            // Only a hostile app could make the stub answer otherwise.
            return Err(ENOMEM);
        }
        let shared = flags & map::TYPE != map::PRIVATE;
        self.vmas.insert(Vma { start, end, prot: p, shared, backing, accounted: false });
        Ok(())
    }

    /// Maps host file `fd` from `offset` at a fixed place (host op),
    /// shared or private, recording it.
    #[allow(clippy::too_many_arguments)] // One host mmap's arguments and the record.
    fn map_file(&mut self, ctx: &mut Context, fd: std::os::fd::BorrowedFd<'_>, start: u64, len: u64, p: u64, flags: u64, offset: u64, backing: Backing) -> Result<(), Errno> {
        let end = start.checked_add(len).ok_or(ENOMEM)?;
        if !self.is_user(start, len) {
            return Err(ENOMEM);
        }
        let shared = flags & map::TYPE != map::PRIVATE;
        let kind = if shared { map::SHARED } else { map::PRIVATE };
        let host_flags = kind | (flags & (map::NORESERVE | map::POPULATE)) | map::FIXED;
        let got = host(ctx.map_file(fd, start, len, p, host_flags, offset))?;
        if got != start {
            return Err(ENOMEM);
        }
        self.vmas.insert(Vma { start, end, prot: p, shared, backing, accounted: false });
        Ok(())
    }
}

/// One area of a new program image, for [`MemoryManager::map_image`].
#[derive(Clone)]
pub struct ImageArea {
    /// Its first address (page-aligned).
    pub start: u64,
    /// Its length (page-aligned, not 0).
    pub len: u64,
    /// Its protection (`PROT_*`).
    pub prot: u64,
    /// What backs it: [`Backing::Image`] maps the image file from the
    /// backing's offset; anything else is anonymous memory.
    pub backing: Backing,
}

/// The memory map of one address space.
pub struct MemoryManager {
    state: Mutex<State>,
    /// The processes using the address space (see [`Users`]).
    users: Users,
    /// The sandbox's memory budget, if it has one.
    budget: Option<Arc<MemoryBudget>>,
}

/// The state, locked for a change of the map: when the guard goes, the
/// space's committed memory is settled with the budget.
struct Changing<'a> {
    st: parking_lot::MutexGuard<'a, State>,
    budget: Option<&'a MemoryBudget>,
}

impl std::ops::Deref for Changing<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.st
    }
}

impl std::ops::DerefMut for Changing<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.st
    }
}

impl Drop for Changing<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.budget {
            let now = self.st.vmas.committed();
            b.settle(self.st.committed, now);
            self.st.committed = now;
        }
    }
}

impl Drop for MemoryManager {
    fn drop(&mut self) {
        if let Some(b) = &self.budget {
            b.settle(self.state.get_mut().committed, 0);
        }
    }
}

/// How many processes (thread groups) use one address space: 1, and more
/// while processes made with `CLONE_VM` share it. Linux's `mm_users`,
/// counted per process rather than per thread: the threads of one process
/// come and go under its own count (`ThreadGroup::exit`). The host
/// process behind the address space may be ended only by the last user to
/// leave it; the others end only their own host threads.
///
/// It also counts the users suspended in `vfork` (a single-threaded
/// parent waiting for its `CLONE_VM | CLONE_VFORK` child), which run no
/// code there until the child execs or exits: for syscall-site patching,
/// which must not rewrite code that another thread may be running (see
/// `patching`), a vfork child runs alone in its parent's memory.
#[derive(Debug)]
pub struct Users {
    count: AtomicUsize,
    suspended: AtomicUsize,
}

impl Users {
    /// One user: the process that made the address space.
    pub fn new() -> Users {
        Users { count: AtomicUsize::new(1), suspended: AtomicUsize::new(0) }
    }

    /// Another process uses the address space (`clone(CLONE_VM)`).
    pub fn add(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    /// A process leaves the address space (its last thread ended, or it
    /// exec'd into a new one); returns whether it was the last user.
    /// Never goes below 0: a surplus leave counts as the last.
    pub fn remove(&self) -> bool {
        let prev = self.count.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| Some(n.saturating_sub(1)));
        prev.unwrap_or(0) <= 1
    }

    /// How many processes use the address space.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// A user, single-threaded, begins to wait for its vfork child: it
    /// runs no code in the address space until [`Users::resume`].
    pub fn suspend(&self) {
        self.suspended.fetch_add(1, Ordering::SeqCst);
    }

    /// A user suspended by [`Users::suspend`] goes on.
    pub fn resume(&self) {
        let _ = self.suspended.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| Some(n.saturating_sub(1)));
    }

    /// Whether a user's code may be the only code running in the address
    /// space: every other user is suspended in `vfork`. (The caller
    /// answers for its own threads.)
    pub fn runs_alone(&self) -> bool {
        let suspended = self.suspended.load(Ordering::SeqCst);
        self.count().saturating_sub(suspended) <= 1
    }
}

impl Default for Users {
    fn default() -> Users {
        Users::new()
    }
}

fn host(r: Result<i64, interposer::Gone>) -> Result<u64, Errno> {
    // A dead process cannot be mapped into; its task is about to exit.
    Errno::from_ret(r.map_err(|_| ENOMEM)?)
}

/// Validates and page-rounds a length as `mmap`, `mprotect` and friends
/// do: `Err(ENOMEM)` when rounding overflows or passes the end of user space.
fn page_len(len: u64) -> Result<u64, Errno> {
    match page_up(len) {
        Some(l) if l <= TASK_SIZE => Ok(l),
        _ => Err(ENOMEM),
    }
}

impl MemoryManager {
    /// An empty map over a stub process (fresh, or about to be emptied for
    /// a new image) whose own ranges are `reserved`, its committed memory
    /// counted against `budget`.
    pub fn new(reserved: &[Range<u64>], budget: Option<Arc<MemoryBudget>>) -> MemoryManager {
        let blocked = reserved.to_vec();
        let state = State { vmas: VmaSet::new(), mmap_base: STACK_TOP - STACK_GAP, brk_start: 0, brk: 0, patching: Default::default(), blocked, strings: ArgStrings::default(), auxv: Vec::new(), committed: 0 };
        MemoryManager { state: Mutex::new(state), users: Users::new(), budget }
    }

    /// The budget the space's committed memory counts against.
    pub fn budget(&self) -> Option<Arc<MemoryBudget>> {
        self.budget.clone()
    }

    /// The state, locked for a change of the map (see [`Changing`]).
    fn change(&self) -> Changing<'_> {
        Changing { st: self.state.lock(), budget: self.budget.as_deref() }
    }

    /// `ENOMEM` unless `more` committed bytes fit in the budget.
    fn check_budget(&self, more: u64) -> Result<(), Errno> {
        self.budget.as_ref().map_or(Ok(()), |b| b.check(more))
    }

    /// The processes that use this address space: one, and more while
    /// processes made with `CLONE_VM` share it.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// Whether more than one process uses this address space.
    pub fn is_shared(&self) -> bool {
        self.users.count() > 1
    }

    /// Whether `[addr, addr + len)` lies in user space and outside the
    /// stub's ranges and the trampolines (whether it is mapped is the
    /// host's to say).
    pub fn is_user_range(&self, addr: u64, len: u64) -> bool {
        self.state.lock().is_user(addr, len)
    }

    /// What names the shared futex at `addr`: its memory object and offset
    /// when `addr` lies in shared memory (so that every process mapping
    /// the object sees one futex), else `None` (a private futex).
    pub fn shared_object_at(&self, addr: u64) -> Option<(u64, u64)> {
        let st = self.state.lock();
        let v = st.vmas.find(addr)?;
        match &v.backing {
            Backing::SharedAnonymous { id, offset } => Some((*id, offset + (addr - v.start))),
            Backing::File { offset, object, .. } if v.shared => Some((object.id, offset + (addr - v.start))),
            _ => None,
        }
    }

    /// Counts a trapped system call at its site, and patches the site to
    /// enter the sentry without a signal once it proves hot.
    pub fn note_syscall_trap(&self, ctx: &mut Context, rip: u64, nr: u64) {
        let mut st = self.state.lock();
        patching::note_trap(&mut st, ctx, rip, nr);
    }

    /// The map of a child forked from this address space: the same areas,
    /// heap and trampolines (the host fork copied them all), used by the
    /// child alone. `ENOMEM` if its committed memory does not fit in the
    /// budget (checked before the host fork).
    pub fn fork_copy(&self) -> Result<MemoryManager, Errno> {
        let mut state = self.state.lock().clone();
        if let Some(b) = &self.budget {
            b.check(state.committed)?;
            b.settle(0, state.committed);
        } else {
            state.committed = 0;
        }
        Ok(MemoryManager { state: Mutex::new(state), users: Users::new(), budget: self.budget.clone() })
    }

    /// Whether a child's copy of this space's committed memory fits in
    /// the budget (`ENOMEM` if not), asked before the host fork.
    pub fn check_fork(&self) -> Result<(), Errno> {
        let committed = self.state.lock().committed;
        self.check_budget(committed)
    }

    /// Maps a new image's areas in one round trip to the stub: each
    /// private at its fixed place, from `file` when its backing is
    /// [`Backing::Image`], else anonymous. An area that cannot be mapped
    /// fails the whole call (the address space is then of no use). `reuse`:
    /// the stub process still holds an earlier image (this map being new,
    /// for it), so everything it has outside the stub's own ranges is
    /// unmapped first, and its thread's `%fs` base cleared.
    pub fn map_image(&self, ctx: &mut Context, file: std::os::fd::BorrowedFd<'_>, areas: &[ImageArea], reuse: bool) -> Result<(), Errno> {
        let mut st = self.change();
        let mut batch = Batch::default();
        if reuse {
            let mut from = 0;
            let mut stub: Vec<&Range<u64>> = st.blocked.iter().collect();
            stub.sort_by_key(|r| r.start);
            for r in stub.into_iter().chain([&(TASK_SIZE..TASK_SIZE)]) {
                if r.start > from {
                    batch.push(sysno::MUNMAP as u64, [from, r.start.min(TASK_SIZE) - from, 0, 0, 0, 0]);
                }
                from = from.max(r.end);
                if from >= TASK_SIZE {
                    break;
                }
            }
            batch.push(sysno::ARCH_PRCTL as u64, [abi::process::arch_prctl::SET_FS, 0, 0, 0, 0, 0]);
        }
        let first = batch.len();
        for a in areas {
            let end = a.start.checked_add(a.len).ok_or(ENOMEM)?;
            if a.len == 0 || !st.is_user(a.start, a.len) || !batch.has_room(1, 0) {
                return Err(ENOMEM);
            }
            match a.backing {
                Backing::Image { offset, .. } => {
                    batch.push(wire::op::MMAP_FD, [a.start, a.len, a.prot, map::PRIVATE | map::FIXED, 0, offset]);
                }
                _ => {
                    batch.push(sysno::MMAP as u64, [a.start, a.len, a.prot, map::PRIVATE | map::FIXED | map::ANONYMOUS, u64::MAX, 0]);
                }
            }
            st.vmas.insert(Vma { start: a.start, end, prot: a.prot, shared: false, backing: a.backing.clone(), accounted: false });
        }
        let done = ctx.run_batch(&mut batch, Some(file)).map_err(|_| ENOMEM)?;
        if done < first {
            return Err(Errno::from_ret(batch.ret(done)).err().unwrap_or(ENOMEM));
        }
        if let Some(i) = (0..areas.len()).find(|&i| first + i >= done || batch.ret(first + i) as u64 != areas[i].start) {
            // Only a hostile app could make the stub answer with another address.
            return Err(Errno::from_ret(batch.ret(first + i)).err().unwrap_or(ENOMEM));
        }
        Ok(())
    }

    /// Maps the vDSO at `at` in one round trip to the stub (see
    /// `abi::vdso`): the per-process page, written with `host`; the clock
    /// page, shared from `file` at offset 0; and the image from `file` at
    /// one page on, `image_len` bytes, private.
    pub fn map_vdso(&self, ctx: &mut Context, file: std::os::fd::BorrowedFd<'_>, at: u64, image_len: u64, host: &abi::vdso::VdsoHost) -> Result<(), Errno> {
        use abi::Pod;
        let mut st = self.change();
        let pages = [
            (at, PAGE_SIZE, Backing::Vvar),
            (at + PAGE_SIZE, PAGE_SIZE, Backing::Vvar),
            (at + 2 * PAGE_SIZE, image_len, Backing::Vdso),
        ];
        if pages.iter().any(|&(start, len, _)| !st.is_user(start, len) || !st.vmas.is_free(start, start + len, &st.blocked)) {
            return Err(ENOMEM);
        }
        let mut batch = Batch::default();
        batch.push(sysno::MMAP as u64, [at, PAGE_SIZE, prot::READ | prot::WRITE, map::PRIVATE | map::FIXED | map::ANONYMOUS, u64::MAX, 0]);
        batch.poke(at, host.as_bytes(), prot::READ);
        batch.push(wire::op::MMAP_FD, [at + PAGE_SIZE, PAGE_SIZE, prot::READ, map::SHARED | map::FIXED, 0, 0]);
        batch.push(wire::op::MMAP_FD, [at + 2 * PAGE_SIZE, image_len, prot::READ | prot::EXEC, map::PRIVATE | map::FIXED, 0, PAGE_SIZE]);
        let done = ctx.run_batch(&mut batch, Some(file)).map_err(|_| ENOMEM)?;
        if done < batch.len() {
            return Err(Errno::from_ret(batch.ret(done)).err().unwrap_or(ENOMEM));
        }
        if [(0, at), (2, at + PAGE_SIZE), (3, at + 2 * PAGE_SIZE)].iter().any(|&(i, addr)| batch.ret(i) as u64 != addr) {
            // Only a hostile app could make the stub answer with another address.
            return Err(ENOMEM);
        }
        for (i, (start, len, backing)) in pages.into_iter().enumerate() {
            let prot = if i == 2 { prot::READ | prot::EXEC } else { prot::READ };
            st.vmas.insert(Vma { start, end: start + len, prot, shared: i == 1, backing, accounted: false });
        }
        Ok(())
    }

    /// Writes the loader's bytes into memory it has just mapped.
    pub fn write_image(&self, ctx: &mut Context, addr: u64, data: &[u8]) -> Result<(), Errno> {
        ctx.space().write(addr, data).map_err(|_| EFAULT)
    }

    /// Changes the protection of a range the loader mapped.
    pub fn protect_fixed(&self, ctx: &mut Context, start: u64, len: u64, p: u64) -> Result<(), Errno> {
        self.mprotect(ctx, start, len, p)
    }

    /// Records where the loader put the argument and environment strings.
    pub fn set_arg_strings(&self, strings: ArgStrings) {
        self.state.lock().strings = strings;
    }

    /// Records the auxiliary vector the loader gave the image.
    pub fn set_auxv(&self, auxv: Vec<(u64, u64)>) {
        self.state.lock().auxv = auxv;
    }

    /// The auxiliary vector the image was given, `AT_NULL` included.
    pub fn auxv(&self) -> Vec<(u64, u64)> {
        self.state.lock().auxv.clone()
    }

    /// Where the argument and environment strings are.
    pub fn arg_strings(&self) -> ArgStrings {
        self.state.lock().strings
    }

    /// Where the heap starts and the current program break.
    pub fn brk_range(&self) -> (u64, u64) {
        let st = self.state.lock();
        (st.brk_start, st.brk)
    }

    /// A copy of every area, in address order.
    pub fn areas(&self) -> Vec<Vma> {
        self.state.lock().vmas.iter().cloned().collect()
    }

    /// Sets the top of the mmap area and where the heap begins, as the
    /// loader laid out a new image.
    pub fn set_layout(&self, mmap_base: u64, brk: u64) {
        let mut st = self.state.lock();
        st.mmap_base = mmap_base;
        st.brk_start = brk;
        st.brk = brk;
    }

    /// The checks `mmap` makes of its length, protection and flags before
    /// it looks at a file; the length rounded up to pages.
    pub fn check_mmap(len: u64, p: u64, flags: u64) -> Result<u64, Errno> {
        if len == 0 {
            return Err(EINVAL);
        }
        let kind = flags & map::TYPE;
        if kind != map::PRIVATE && kind != map::SHARED && kind != map::SHARED_VALIDATE {
            return Err(EINVAL);
        }
        if p & !(prot::READ | prot::WRITE | prot::EXEC) != 0 {
            return Err(EINVAL);
        }
        page_len(len)
    }

    /// `mmap` of `source` (the caller checked a file's access mode).
    pub fn mmap(&self, ctx: &mut Context, addr: u64, len: u64, p: u64, flags: u64, source: Source) -> Result<u64, Errno> {
        let len = MemoryManager::check_mmap(len, p, flags)?;
        let fixed = flags & (map::FIXED | map::FIXED_NOREPLACE) != 0;
        if fixed && !addr.is_multiple_of(PAGE_SIZE) {
            return Err(EINVAL);
        }
        let mut st = self.change();
        let start = if fixed {
            if addr.checked_add(len).is_none_or(|e| e > TASK_SIZE) {
                return Err(ENOMEM);
            }
            if flags & map::FIXED_NOREPLACE != 0 && st.vmas.overlaps(addr, addr + len) {
                return Err(EEXIST);
            }
            addr
        } else {
            self.choose_address(&st, abi::page_down(addr), len)?
        };
        let keep = flags & (map::NORESERVE | map::POPULATE);
        let private = match &source {
            Source::Anonymous { shared } | Source::File { shared, .. } => !shared,
        };
        if private && p & prot::WRITE != 0 {
            self.check_budget(len)?;
        }
        match source {
            Source::Anonymous { shared: false } => st.map(ctx, start, len, p, map::PRIVATE | keep, Backing::Anonymous)?,
            Source::Anonymous { shared: true } => st.map(ctx, start, len, p, map::SHARED | keep, Backing::SharedAnonymous { id: next_object_id(), offset: 0 })?,
            Source::File { file, offset, shared, name, object } => {
                let kind = if shared { map::SHARED } else { map::PRIVATE };
                st.map_file(ctx, file.as_fd(), start, len, p, kind | keep, offset, Backing::File { name, offset, object })?
            }
        }
        Ok(start)
    }

    /// `msync`: checks the range and has the host write back its shared
    /// file pages (memory files and read-only host files have nothing to
    /// write, as on Linux for tmpfs).
    pub fn msync(&self, ctx: &mut Context, addr: u64, len: u64, flags: u64) -> Result<(), Errno> {
        if flags & !(ms::ASYNC | ms::INVALIDATE | ms::SYNC) != 0 || !addr.is_multiple_of(PAGE_SIZE) || flags & (ms::ASYNC | ms::SYNC) == ms::ASYNC | ms::SYNC {
            return Err(EINVAL);
        }
        let len = page_up(len).ok_or(ENOMEM)?;
        let end = addr.checked_add(len).ok_or(ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        let st = self.state.lock();
        let pieces: Vec<(u64, u64)> = st.vmas.range(addr, end).filter(|v| v.shared).map(|v| (v.start.max(addr), v.end.min(end))).collect();
        for (s, e) in pieces {
            host(ctx.host_op(sysno::MSYNC as u64, [s, e - s, flags, 0, 0, 0]))?;
        }
        if !st.vmas.is_fully_mapped(addr, end) {
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// `mincore`: the host fills `vec` with the residency of each page
    /// of a mapped range.
    pub fn mincore(&self, ctx: &mut Context, addr: u64, len: u64, vec: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(EINVAL);
        }
        let st = self.state.lock();
        if !st.is_user(addr, len) {
            return Err(ENOMEM);
        }
        let pages = len.div_ceil(PAGE_SIZE);
        if !st.is_user(vec, pages) {
            return Err(EFAULT);
        }
        if pages == 0 {
            return Ok(());
        }
        if !st.vmas.is_fully_mapped(addr, addr + pages * PAGE_SIZE) {
            return Err(ENOMEM);
        }
        host(ctx.host_op(sysno::MINCORE as u64, [addr, len, vec, 0, 0, 0])).map(|_| ())
    }

    /// Where a new mapping of `len` bytes goes: at the hint when that is
    /// free, else the highest free place below the mmap area's top.
    fn choose_address(&self, st: &State, hint: u64, len: u64) -> Result<u64, Errno> {
        if hint >= MMAP_MIN_ADDR && hint.checked_add(len).is_some_and(|e| e <= TASK_SIZE) && st.vmas.is_free(hint, hint + len, &st.blocked) {
            return Ok(hint);
        }
        st.vmas.find_gap_top_down(len, MMAP_MIN_ADDR, st.mmap_base, &st.blocked).ok_or(ENOMEM)
    }

    /// `munmap`.
    pub fn munmap(&self, ctx: &mut Context, addr: u64, len: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
            return Err(EINVAL);
        }
        let len = page_len(len).map_err(|_| EINVAL)?;
        let end = addr.checked_add(len).filter(|&e| e <= TASK_SIZE).ok_or(EINVAL)?;
        let mut st = self.change();
        for piece in st.vmas.remove(addr, end) {
            host(ctx.host_op(sysno::MUNMAP as u64, [piece.start, piece.len(), 0, 0, 0, 0]))?;
        }
        Ok(())
    }

    /// `mprotect`.
    pub fn mprotect(&self, ctx: &mut Context, addr: u64, len: u64, p: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(EINVAL);
        }
        if p & !(prot::READ | prot::WRITE | prot::EXEC | prot::GROWSDOWN | prot::GROWSUP) != 0 || p & (prot::GROWSDOWN | prot::GROWSUP) == prot::GROWSDOWN | prot::GROWSUP {
            return Err(EINVAL);
        }
        let p = p & (prot::READ | prot::WRITE | prot::EXEC);
        let len = page_len(len)?;
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).ok_or(ENOMEM)?;
        let mut st = self.change();
        if !st.vmas.is_fully_mapped(addr, end) {
            return Err(ENOMEM);
        }
        let read_only_file = |v: &Vma| v.shared && matches!(&v.backing, Backing::File { object, .. } if object.writers.is_none());
        if p & prot::WRITE != 0 && st.vmas.range(addr, end).any(read_only_file) {
            return Err(EACCES);
        }
        if p & prot::WRITE != 0 {
            self.check_budget(st.vmas.uncommitted_private(addr, end))?;
        }
        host(ctx.host_op(sysno::MPROTECT as u64, [addr, len, p, 0, 0, 0]))?;
        st.vmas.protect(addr, end, p).map_err(|_| ENOMEM)
    }

    /// `madvise`.
    pub fn madvise(&self, ctx: &mut Context, addr: u64, len: u64, advice: u64) -> Result<(), Errno> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(EINVAL);
        }
        let passed_to_host = matches!(
            advice,
            madv::DONTNEED | madv::FREE | madv::WILLNEED | madv::REMOVE | madv::POPULATE_READ | madv::POPULATE_WRITE | madv::COLD | madv::PAGEOUT
        );
        let hint_only = matches!(
            advice,
            madv::NORMAL
                | madv::RANDOM
                | madv::SEQUENTIAL
                | madv::DONTFORK
                | madv::DOFORK
                | madv::MERGEABLE
                | madv::UNMERGEABLE
                | madv::HUGEPAGE
                | madv::NOHUGEPAGE
                | madv::DONTDUMP
                | madv::DODUMP
                | madv::WIPEONFORK
                | madv::KEEPONFORK
        );
        if !passed_to_host && !hint_only {
            return Err(EINVAL);
        }
        let len = page_len(len).map_err(|_| EINVAL)?;
        let end = addr.checked_add(len).ok_or(EINVAL)?;
        if len == 0 {
            return Ok(());
        }
        let st = self.state.lock();
        let mapped: Vec<(u64, u64)> = st.vmas.range(addr, end).map(|v| (v.start.max(addr), v.end.min(end))).collect();
        if passed_to_host || matches!(advice, madv::DONTFORK | madv::DOFORK | madv::WIPEONFORK | madv::KEEPONFORK) {
            for &(s, e) in &mapped {
                host(ctx.host_op(sysno::MADVISE as u64, [s, e - s, advice, 0, 0, 0]))?;
            }
        }
        if !st.vmas.is_fully_mapped(addr, end) {
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// `mremap`.
    pub fn mremap(&self, ctx: &mut Context, old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> Result<u64, Errno> {
        if !old.is_multiple_of(PAGE_SIZE) || flags & !(mremap::MAYMOVE | mremap::FIXED | mremap::DONTUNMAP) != 0 {
            return Err(EINVAL);
        }
        if flags & mremap::FIXED != 0 && flags & mremap::MAYMOVE == 0 {
            return Err(EINVAL);
        }
        if flags & mremap::DONTUNMAP != 0 {
            return Err(EINVAL);
        }
        let old_len = page_up(old_len).ok_or(EINVAL)?;
        let new_len = page_up(new_len).ok_or(EINVAL)?;
        if new_len == 0 || old_len == 0 || new_len > TASK_SIZE {
            return Err(EINVAL);
        }
        let old_end = old.checked_add(old_len).ok_or(EFAULT)?;
        let mut st = self.change();
        let area = st.vmas.find(old).filter(|v| v.end >= old_end).cloned().ok_or(EFAULT)?;
        let moved = |start: u64| {
            let mut backing = area.backing.clone();
            if let Some(offset) = backing.offset_mut() {
                *offset += old - area.start;
            }
            Vma { start, end: start + new_len, prot: area.prot, shared: area.shared, backing, accounted: area.accounted }
        };
        if area.accounted && new_len > old_len {
            self.check_budget(new_len - old_len)?;
        }
        if flags & mremap::FIXED != 0 {
            if !new_addr.is_multiple_of(PAGE_SIZE) {
                return Err(EINVAL);
            }
            let new_end = new_addr.checked_add(new_len).filter(|&e| e <= TASK_SIZE).ok_or(EINVAL)?;
            if new_addr < old_end && old < new_end {
                return Err(EINVAL);
            }
            if !st.is_user(new_addr, new_len) {
                return Err(ENOMEM);
            }
            return self.move_area(&mut st, ctx, old, old_len, moved(new_addr));
        }
        if new_len <= old_len {
            for piece in st.vmas.remove(old + new_len, old_end) {
                host(ctx.host_op(sysno::MUNMAP as u64, [piece.start, piece.len(), 0, 0, 0, 0]))?;
            }
            return Ok(old);
        }
        let grow_end = old.checked_add(new_len).ok_or(ENOMEM)?;
        if old_end == area.end && grow_end <= TASK_SIZE && st.vmas.is_free(old_end, grow_end, &st.blocked) {
            host(ctx.host_op(sysno::MREMAP as u64, [old, old_len, new_len, 0, 0, 0]))?;
            st.vmas.insert(moved(old));
            return Ok(old);
        }
        if flags & mremap::MAYMOVE == 0 {
            return Err(ENOMEM);
        }
        let dest = st.vmas.find_gap_top_down(new_len, MMAP_MIN_ADDR, st.mmap_base, &st.blocked).ok_or(ENOMEM)?;
        self.move_area(&mut st, ctx, old, old_len, moved(dest))
    }

    fn move_area(&self, st: &mut State, ctx: &mut Context, old: u64, old_len: u64, to: Vma) -> Result<u64, Errno> {
        let args = [old, old_len, to.len(), mremap::MAYMOVE | mremap::FIXED, to.start, 0];
        let got = host(ctx.host_op(sysno::MREMAP as u64, args))?;
        if got != to.start {
            return Err(ENOMEM);
        }
        st.vmas.remove(old, old + old_len);
        let start = to.start;
        st.vmas.insert(to);
        Ok(start)
    }

    /// `brk`: moves the program break and returns the new one, or the old
    /// one if it cannot be moved there.
    pub fn brk(&self, ctx: &mut Context, want: u64) -> u64 {
        let mut st = self.change();
        if want < st.brk_start {
            return st.brk;
        }
        let (Some(old_top), Some(new_top)) = (page_up(st.brk), page_up(want)) else { return st.brk };
        if new_top > old_top {
            if new_top > TASK_SIZE || !st.vmas.is_free(old_top, new_top, &st.blocked) {
                return st.brk;
            }
            let len = new_top - old_top;
            if self.check_budget(len).is_err() || st.map(ctx, old_top, len, prot::READ | prot::WRITE, map::PRIVATE, Backing::Heap).is_err() {
                return st.brk;
            }
        } else if new_top < old_top {
            st.vmas.remove(new_top, old_top);
            if host(ctx.host_op(sysno::MUNMAP as u64, [new_top, old_top - new_top, 0, 0, 0, 0])).is_err() {
                return st.brk;
            }
        }
        st.brk = want;
        want
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_user_to_leave_is_told_so() {
        let u = Users::new();
        assert_eq!(u.count(), 1);
        u.add();
        u.add();
        assert_eq!(u.count(), 3);
        assert!(!u.remove());
        assert!(!u.remove());
        assert!(u.remove(), "the third leave is the last");
        assert_eq!(u.count(), 0);
        // A surplus leave (a bug elsewhere) neither wraps nor hides the end.
        assert!(u.remove());
        assert_eq!(u.count(), 0);
    }

    #[test]
    fn a_vfork_child_runs_alone_while_its_parents_wait() {
        let u = Users::new();
        assert!(u.runs_alone());
        // A parent and its vfork child: alone only while the parent waits.
        u.add();
        assert!(!u.runs_alone());
        u.suspend();
        assert!(u.runs_alone());
        // The child vforks in turn: the grandchild runs alone.
        u.add();
        assert!(!u.runs_alone());
        u.suspend();
        assert!(u.runs_alone());
        // A third process beside them that does not wait: nobody is alone.
        u.add();
        assert!(!u.runs_alone());
        assert!(!u.remove());
        // The grandchild execs, its parent goes on.
        assert!(!u.remove());
        u.resume();
        assert!(u.runs_alone());
        assert_eq!(u.count(), 2);
        // A surplus resume does not wrap.
        u.resume();
        u.resume();
        assert!(!u.runs_alone());
    }

    #[test]
    fn exactly_one_of_racing_leavers_is_the_last() {
        for _ in 0..50 {
            let u = std::sync::Arc::new(Users::new());
            for _ in 0..7 {
                u.add();
            }
            let lasts: usize = (0..8)
                .map(|_| {
                    let u = u.clone();
                    std::thread::spawn(move || u.remove())
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().expect("a leaver panicked") as usize)
                .sum();
            assert_eq!(lasts, 1);
        }
    }

    #[test]
    fn a_fork_copy_has_its_own_single_user() {
        let mm = MemoryManager::new(&[], None);
        mm.users().add();
        assert!(mm.is_shared());
        let child = mm.fork_copy().unwrap();
        assert_eq!(child.users().count(), 1);
        assert!(!child.is_shared());
        assert!(!mm.users().remove());
        assert!(!mm.is_shared());
    }

    #[test]
    fn committed_memory_is_charged_copied_on_fork_and_given_back() {
        let budget = MemoryBudget::new(5 * PAGE_SIZE);
        let mm = MemoryManager::new(&[], Some(budget.clone()));
        {
            let mut st = mm.change();
            let heap = Vma { start: 0x10000, end: 0x13000, prot: prot::READ | prot::WRITE, shared: false, backing: Backing::Heap, accounted: false };
            st.vmas.insert(heap);
            // Shared and read-only memory commits nothing.
            let shm = Vma { start: 0x20000, end: 0x30000, prot: prot::READ | prot::WRITE, shared: true, backing: Backing::Anonymous, accounted: false };
            st.vmas.insert(shm);
        }
        assert_eq!(budget.used(), 3 * PAGE_SIZE);
        assert_eq!(mm.check_budget(2 * PAGE_SIZE), Ok(()));
        assert_eq!(mm.check_budget(3 * PAGE_SIZE), Err(ENOMEM));
        // A child's copy of three pages does not fit in the two left.
        assert_eq!(mm.check_fork(), Err(ENOMEM));
        assert!(mm.fork_copy().is_err());
        assert_eq!(budget.used(), 3 * PAGE_SIZE);
        {
            let mut st = mm.change();
            st.vmas.remove(0x10000, 0x12000);
        }
        assert_eq!(budget.used(), PAGE_SIZE);
        let child = mm.fork_copy().unwrap();
        assert_eq!(budget.used(), 2 * PAGE_SIZE);
        drop(child);
        drop(mm);
        assert_eq!(budget.used(), 0, "every space gives its charge back");
    }
}
