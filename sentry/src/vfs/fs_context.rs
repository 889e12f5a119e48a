//! A process's filesystem context: its root, working directory and umask,
//! shared by the tasks made with `CLONE_FS` and copied by the others.

use parking_lot::Mutex;

use super::mount::Location;

struct Inner {
    root: Location,
    cwd: Location,
    umask: u32,
}

/// Root, working directory and umask (a leaf lock).
pub struct FsContext {
    inner: Mutex<Inner>,
}

impl FsContext {
    /// A context with `root` and `cwd` and Linux's initial umask, 022.
    pub fn new(root: Location, cwd: Location) -> FsContext {
        FsContext { inner: Mutex::new(Inner { root, cwd, umask: 0o022 }) }
    }

    /// A copy, for a task made without `CLONE_FS`.
    pub fn fork_copy(&self) -> FsContext {
        let g = self.inner.lock();
        FsContext { inner: Mutex::new(Inner { root: g.root.clone(), cwd: g.cwd.clone(), umask: g.umask }) }
    }

    /// The root directory.
    pub fn root(&self) -> Location {
        self.inner.lock().root.clone()
    }

    /// The working directory.
    pub fn cwd(&self) -> Location {
        self.inner.lock().cwd.clone()
    }

    /// The root and working directory at once.
    pub fn root_and_cwd(&self) -> (Location, Location) {
        let g = self.inner.lock();
        (g.root.clone(), g.cwd.clone())
    }

    /// Changes the working directory.
    pub fn set_cwd(&self, cwd: Location) {
        let old = std::mem::replace(&mut self.inner.lock().cwd, cwd);
        drop(old);
    }

    /// Changes the root directory.
    pub fn set_root(&self, root: Location) {
        let old = std::mem::replace(&mut self.inner.lock().root, root);
        drop(old);
    }

    /// The umask.
    pub fn umask(&self) -> u32 {
        self.inner.lock().umask
    }

    /// Sets the umask (its low 9 bits); returns the old one.
    pub fn set_umask(&self, mask: u32) -> u32 {
        std::mem::replace(&mut self.inner.lock().umask, mask & 0o777)
    }
}
