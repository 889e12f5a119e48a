//! Descriptor tables.

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
}

impl FdTable {
    /// An empty table.
    pub fn new() -> FdTable {
        FdTable { inner: Mutex::new(Vec::new()) }
    }

    /// The description behind `fd`, or `EBADF`.
    pub fn get(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        let g = self.inner.lock();
        usize::try_from(fd).ok().and_then(|i| g.get(i)?.as_ref()).map(|e| e.file.clone()).ok_or(EBADF)
    }

    /// Installs `file` at exactly `fd`, replacing what was there.
    pub fn install_at(&self, fd: i32, file: Arc<OpenFile>, cloexec: bool) {
        let Ok(i) = usize::try_from(fd) else { return };
        let mut g = self.inner.lock();
        if g.len() <= i {
            g.resize(i + 1, None);
        }
        g[i] = Some(Entry { file, cloexec });
    }

    /// Installs `file` at the lowest free descriptor below `limit`, or
    /// fails with `EMFILE`.
    pub fn install(&self, file: Arc<OpenFile>, cloexec: bool, limit: u64) -> Result<i32, Errno> {
        let mut g = self.inner.lock();
        let i = g.iter().position(Option::is_none).unwrap_or(g.len());
        if i as u64 >= limit {
            return Err(EMFILE);
        }
        if i == g.len() {
            g.push(None);
        }
        g[i] = Some(Entry { file, cloexec });
        Ok(i as i32)
    }

    /// Removes `fd`, returning its description, or `EBADF`.
    pub fn remove(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        let mut g = self.inner.lock();
        let slot = usize::try_from(fd).ok().and_then(|i| g.get_mut(i)).ok_or(EBADF)?;
        slot.take().map(|e| e.file).ok_or(EBADF)
    }

    /// Sets or clears close-on-exec on `fd`.
    pub fn set_cloexec(&self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        let mut g = self.inner.lock();
        let e = usize::try_from(fd).ok().and_then(|i| g.get_mut(i)?.as_mut()).ok_or(EBADF)?;
        e.cloexec = cloexec;
        Ok(())
    }
}

impl Default for FdTable {
    fn default() -> FdTable {
        FdTable::new()
    }
}
