//! Descriptor tables.
//!
//! The table's lock is never held while a description is dropped: closing
//! the last descriptor of a pipe end wakes its peer, and a description's
//! drop may take other locks. Every operation that removes entries
//! collects them and drops them after unlocking.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use abi::errno::{EBADF, EMFILE};
use abi::Errno;
use parking_lot::Mutex;

use super::OpenFile;

#[derive(Clone)]
struct Entry {
    file: Arc<OpenFile>,
    cloexec: bool,
}

/// A process's descriptors: small integers naming open file descriptions.
pub struct FdTable {
    inner: Mutex<Vec<Option<Entry>>>,
    /// The size Linux's table would have (`max_fds`), which `select`
    /// clamps its descriptor count to: 64 slots at first, growing to the
    /// smallest power of two above the highest descriptor installed, and
    /// never shrinking.
    max_fds: AtomicUsize,
}

/// Slots in a new table (`NR_OPEN_DEFAULT`).
const NR_OPEN_DEFAULT: usize = 64;

/// The size Linux gives a table that must hold `slots` slots.
fn linux_table_size(slots: usize) -> usize {
    if slots <= NR_OPEN_DEFAULT {
        NR_OPEN_DEFAULT
    } else {
        slots.checked_next_power_of_two().unwrap_or(usize::MAX)
    }
}

/// The slot index of `fd`, if it can name a descriptor at all.
fn index(fd: i32) -> Option<usize> {
    usize::try_from(fd).ok()
}

/// The lowest free slot at or above `min` in `slots`.
fn lowest_free(slots: &[Option<Entry>], min: usize) -> usize {
    slots.iter().skip(min).position(Option::is_none).map_or(slots.len().max(min), |i| i + min)
}

/// Puts `entry` at slot `i`, growing the table (and `max_fds`); returns
/// what was there.
fn put(slots: &mut Vec<Option<Entry>>, max_fds: &AtomicUsize, i: usize, entry: Entry) -> Option<Entry> {
    if slots.len() <= i {
        slots.resize(i + 1, None);
    }
    if i >= max_fds.load(Ordering::Relaxed) {
        max_fds.store(linux_table_size(i.saturating_add(1)), Ordering::Relaxed);
    }
    slots[i].replace(entry)
}

/// Drops trailing free slots so the table does not stay large.
fn trim(slots: &mut Vec<Option<Entry>>) {
    while matches!(slots.last(), Some(None)) {
        slots.pop();
    }
}

impl FdTable {
    /// An empty table.
    pub fn new() -> FdTable {
        FdTable { inner: Mutex::new(Vec::new()), max_fds: AtomicUsize::new(NR_OPEN_DEFAULT) }
    }

    /// The number of slots Linux's table would have now (`max_fds`):
    /// `select` looks at no descriptor at or above it.
    pub fn max_fds(&self) -> usize {
        self.max_fds.load(Ordering::Relaxed)
    }

    /// The description behind `fd`, or `EBADF`.
    pub fn get(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        let g = self.inner.lock();
        index(fd).and_then(|i| g.get(i)?.as_ref()).map(|e| e.file.clone()).ok_or(EBADF)
    }

    /// Whether `fd` is close-on-exec, or `EBADF`.
    pub fn get_cloexec(&self, fd: i32) -> Result<bool, Errno> {
        let g = self.inner.lock();
        index(fd).and_then(|i| g.get(i)?.as_ref()).map(|e| e.cloexec).ok_or(EBADF)
    }

    /// Installs `file` at exactly `fd`, replacing (and closing) what was
    /// there. Negative `fd`s are ignored.
    pub fn install_at(&self, fd: i32, file: Arc<OpenFile>, cloexec: bool) {
        let Some(i) = index(fd) else { return };
        let old = put(&mut self.inner.lock(), &self.max_fds, i, Entry { file, cloexec });
        drop(old);
    }

    /// Installs `file` at the lowest free descriptor below `limit`, or
    /// fails with `EMFILE`.
    pub fn install(&self, file: Arc<OpenFile>, cloexec: bool, limit: u64) -> Result<i32, Errno> {
        self.install_from(0, file, cloexec, limit)
    }

    /// Installs `file` at the lowest free descriptor at or above `min` and
    /// below `limit`, or fails with `EMFILE`.
    pub fn install_from(&self, min: u32, file: Arc<OpenFile>, cloexec: bool, limit: u64) -> Result<i32, Errno> {
        let mut g = self.inner.lock();
        let i = lowest_free(&g, min as usize);
        if i as u64 >= limit || i > i32::MAX as usize {
            drop(g);
            drop(file);
            return Err(EMFILE);
        }
        put(&mut g, &self.max_fds, i, Entry { file, cloexec });
        Ok(i as i32)
    }

    /// Installs two files at the two lowest free descriptors below
    /// `limit`, both or neither (`EMFILE`).
    pub fn install_pair(&self, files: [Arc<OpenFile>; 2], cloexec: bool, limit: u64) -> Result<[i32; 2], Errno> {
        let mut g = self.inner.lock();
        let a = lowest_free(&g, 0);
        let b = lowest_free(&g, a + 1);
        if b as u64 >= limit || b > i32::MAX as usize {
            drop(g);
            drop(files);
            return Err(EMFILE);
        }
        let [fa, fb] = files;
        put(&mut g, &self.max_fds, a, Entry { file: fa, cloexec });
        put(&mut g, &self.max_fds, b, Entry { file: fb, cloexec });
        Ok([a as i32, b as i32])
    }

    /// `dup` and `F_DUPFD`: a new descriptor for the description behind
    /// `fd`, the lowest free one at or above `min` and below `limit`
    /// (`EBADF` for a bad `fd`, then `EMFILE`).
    pub fn dup(&self, fd: i32, min: u32, cloexec: bool, limit: u64) -> Result<i32, Errno> {
        let mut g = self.inner.lock();
        let file = index(fd).and_then(|i| g.get(i)?.as_ref()).map(|e| e.file.clone()).ok_or(EBADF)?;
        let i = lowest_free(&g, min as usize);
        if i as u64 >= limit || i > i32::MAX as usize {
            return Err(EMFILE);
        }
        put(&mut g, &self.max_fds, i, Entry { file, cloexec });
        Ok(i as i32)
    }

    /// `dup2`/`dup3`: makes `newfd` name the description behind `oldfd`,
    /// closing what `newfd` named. The caller checks `newfd` against the
    /// descriptor limit and `oldfd != newfd`.
    pub fn dup_to(&self, oldfd: i32, newfd: i32, cloexec: bool) -> Result<i32, Errno> {
        let ni = index(newfd).ok_or(EBADF)?;
        let old = {
            let mut g = self.inner.lock();
            let file = index(oldfd).and_then(|i| g.get(i)?.as_ref()).map(|e| e.file.clone()).ok_or(EBADF)?;
            put(&mut g, &self.max_fds, ni, Entry { file, cloexec })
        };
        drop(old);
        Ok(newfd)
    }

    /// Removes `fd`, returning its description, or `EBADF`. The caller
    /// drops the description, with the table unlocked.
    pub fn remove(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        let mut g = self.inner.lock();
        let slot = index(fd).and_then(|i| g.get_mut(i)).ok_or(EBADF)?;
        let file = slot.take().map(|e| e.file).ok_or(EBADF)?;
        trim(&mut g);
        Ok(file)
    }

    /// Closes every descriptor in `first..=last` (`close_range`).
    pub fn remove_range(&self, first: u32, last: u32) {
        let removed: Vec<Entry> = {
            let mut g = self.inner.lock();
            let end = (last as usize).saturating_add(1).min(g.len());
            let start = (first as usize).min(end);
            let removed = g[start..end].iter_mut().filter_map(Option::take).collect();
            trim(&mut g);
            removed
        };
        drop(removed);
    }

    /// Sets or clears close-on-exec on `fd`.
    pub fn set_cloexec(&self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        let mut g = self.inner.lock();
        let e = index(fd).and_then(|i| g.get_mut(i)?.as_mut()).ok_or(EBADF)?;
        e.cloexec = cloexec;
        Ok(())
    }

    /// Sets close-on-exec on every descriptor in `first..=last`
    /// (`close_range` with `CLOSE_RANGE_CLOEXEC`).
    pub fn set_cloexec_range(&self, first: u32, last: u32) {
        let mut g = self.inner.lock();
        let end = (last as usize).saturating_add(1).min(g.len());
        let start = (first as usize).min(end);
        for e in g[start..end].iter_mut().flatten() {
            e.cloexec = true;
        }
    }

    /// A copy for a child process (`fork`): the same descriptions under
    /// the same numbers, with the same close-on-exec flags.
    pub fn fork_copy(&self) -> FdTable {
        let slots = self.inner.lock().clone();
        // As `dup_fd`: sized for the open descriptors, in whole words.
        let open = slots.len().div_ceil(NR_OPEN_DEFAULT) * NR_OPEN_DEFAULT;
        FdTable { inner: Mutex::new(slots), max_fds: AtomicUsize::new(linux_table_size(open)) }
    }

    /// Closes every close-on-exec descriptor (`execve`).
    pub fn close_on_exec(&self) {
        let removed: Vec<Entry> = {
            let mut g = self.inner.lock();
            let removed = g.iter_mut().filter(|e| e.as_ref().is_some_and(|e| e.cloexec)).filter_map(Option::take).collect();
            trim(&mut g);
            removed
        };
        drop(removed);
    }

    /// Closes every descriptor (the process is exiting).
    pub fn close_all(&self) {
        let removed = std::mem::take(&mut *self.inner.lock());
        drop(removed);
    }

    /// The open descriptors, in order.
    pub fn open_fds(&self) -> Vec<i32> {
        self.inner.lock().iter().enumerate().filter(|(_, e)| e.is_some()).map(|(i, _)| i as i32).collect()
    }

    /// Whether a descriptor below `limit` is free: Linux reserves one
    /// before work that would be lost if installing it failed.
    pub fn has_free(&self, limit: u64) -> bool {
        let i = lowest_free(&self.inner.lock(), 0);
        (i as u64) < limit && i <= i32::MAX as usize
    }

    /// How many descriptors are open.
    pub fn count(&self) -> usize {
        self.inner.lock().iter().filter(|e| e.is_some()).count()
    }
}

impl Default for FdTable {
    fn default() -> FdTable {
        FdTable::new()
    }
}

#[cfg(test)]
mod tests {
    use abi::fs::Stat;

    use super::*;
    use crate::vfs::FileOps;

    /// A file that records when its last description is dropped, and
    /// checks that the table is unlocked then.
    struct Probe {
        dropped: Arc<std::sync::atomic::AtomicUsize>,
        table: Option<Arc<FdTable>>,
    }

    impl FileOps for Probe {
        fn stat(&self) -> Result<Stat, Errno> {
            Ok(Stat::default())
        }
    }

    impl Drop for Probe {
        fn drop(&mut self) {
            if let Some(t) = &self.table {
                assert!(t.inner.try_lock().is_some(), "a description was dropped under the table lock");
            }
            self.dropped.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn probe(table: Option<&Arc<FdTable>>) -> (Arc<OpenFile>, Arc<std::sync::atomic::AtomicUsize>) {
        let dropped = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let f = OpenFile::new(Box::new(Probe { dropped: dropped.clone(), table: table.cloned() }), 0);
        (f, dropped)
    }

    fn dropped(c: &std::sync::atomic::AtomicUsize) -> usize {
        c.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[test]
    fn install_takes_the_lowest_free_descriptor_below_the_limit() {
        let t = FdTable::new();
        let (f, _) = probe(None);
        assert_eq!(t.install(f.clone(), false, 3), Ok(0));
        assert_eq!(t.install(f.clone(), false, 3), Ok(1));
        assert_eq!(t.install(f.clone(), false, 3), Ok(2));
        assert_eq!(t.install(f.clone(), false, 3), Err(EMFILE));
        assert!(t.remove(1).is_ok());
        assert_eq!(t.remove(1).err(), Some(EBADF));
        assert_eq!(t.install(f.clone(), true, 3), Ok(1));
        assert_eq!(t.get_cloexec(1), Ok(true));
        assert_eq!(t.get_cloexec(0), Ok(false));
        assert_eq!(t.install_from(5, f.clone(), false, 10), Ok(5));
        assert_eq!(t.install_from(5, f.clone(), false, 10), Ok(6));
        assert_eq!(t.install_from(3, f.clone(), false, 10), Ok(3));
        assert_eq!(t.install_from(9, f.clone(), false, 10), Ok(9));
        assert_eq!(t.install_from(9, f.clone(), false, 10), Err(EMFILE));
        assert_eq!(t.install_from(u32::MAX, f.clone(), false, u64::MAX), Err(EMFILE));
        assert_eq!(t.get(-1).err(), Some(EBADF));
        assert_eq!(t.get(100).err(), Some(EBADF));
        assert_eq!(t.count(), 7);
    }

    #[test]
    fn max_fds_grows_as_linux_and_never_shrinks() {
        let t = FdTable::new();
        let (f, _) = probe(None);
        assert_eq!(t.max_fds(), 64);
        t.install_at(63, f.clone(), false);
        assert_eq!(t.max_fds(), 64);
        t.install_at(64, f.clone(), false);
        assert_eq!(t.max_fds(), 128);
        t.install_at(300, f.clone(), false);
        assert_eq!(t.max_fds(), 512);
        t.remove(300).unwrap();
        assert_eq!(t.max_fds(), 512);
        assert_eq!(t.fork_copy().max_fds(), 128);
        t.remove_range(0, u32::MAX);
        assert_eq!(t.fork_copy().max_fds(), 64);
    }

    #[test]
    fn install_pair_is_all_or_nothing() {
        let t = FdTable::new();
        let (f, _) = probe(None);
        t.install_at(1, f.clone(), false);
        assert_eq!(t.install_pair([f.clone(), f.clone()], true, 4), Ok([0, 2]));
        assert_eq!(t.get_cloexec(2), Ok(true));
        assert_eq!(t.install_pair([f.clone(), f.clone()], false, 4), Err(EMFILE));
        assert_eq!(t.count(), 3);
        assert_eq!(t.install_pair([f.clone(), f.clone()], false, 5), Ok([3, 4]));
    }

    #[test]
    fn dup_and_dup_to() {
        let t = Arc::new(FdTable::new());
        let (a, da) = probe(Some(&t));
        let (b, db) = probe(Some(&t));
        t.install_at(0, a, true);
        t.install_at(4, b, false);
        assert_eq!(t.dup(0, 0, false, 100), Ok(1));
        assert_eq!(t.get_cloexec(1), Ok(false));
        assert_eq!(t.dup(0, 3, true, 100), Ok(3));
        assert_eq!(t.dup(0, 3, false, 100), Ok(5));
        assert_eq!(t.dup(7, 0, false, 100), Err(EBADF));
        assert_eq!(t.dup(0, 6, false, 6), Err(EMFILE));
        // Replacing the last descriptor of `b` drops it, unlocked.
        assert_eq!(t.dup_to(0, 4, true), Ok(4));
        assert_eq!(dropped(&db), 1);
        assert_eq!(t.get_cloexec(4), Ok(true));
        assert!(Arc::ptr_eq(&t.get(4).unwrap(), &t.get(0).unwrap()));
        assert_eq!(t.dup_to(9, 2, false), Err(EBADF));
        assert_eq!(t.dup_to(0, -1, false), Err(EBADF));
        t.remove_range(0, u32::MAX);
        assert_eq!(t.count(), 0);
        assert_eq!(dropped(&da), 1);
    }

    #[test]
    fn ranges_fork_and_exec() {
        let t = Arc::new(FdTable::new());
        let (a, da) = probe(Some(&t));
        for fd in 0..8 {
            t.install_at(fd, a.clone(), fd % 2 == 1);
        }
        drop(a);
        let child = Arc::new(t.fork_copy());
        assert_eq!(child.count(), 8);
        assert_eq!(child.get_cloexec(3), Ok(true));
        assert_eq!(child.get_cloexec(4), Ok(false));
        t.remove_range(2, 3);
        assert_eq!(t.get(2).err(), Some(EBADF));
        assert!(t.get(4).is_ok());
        t.remove_range(10, 20);
        t.set_cloexec_range(4, 5);
        assert_eq!(t.get_cloexec(4), Ok(true));
        assert_eq!(t.get_cloexec(6), Ok(false));
        t.close_on_exec();
        let open: Vec<i32> = (0..8).filter(|&fd| t.get(fd).is_ok()).collect();
        assert_eq!(open, [0, 6]);
        assert_eq!(dropped(&da), 0, "the child still holds the description");
        child.close_all();
        t.close_all();
        assert_eq!(dropped(&da), 1);
    }
}
