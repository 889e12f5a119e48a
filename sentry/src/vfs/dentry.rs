//! Dentries: the names of inodes, linked into a tree.
//!
//! A dentry names one inode under its parent. Each directory's dentry
//! caches its live children, so that every holder of a name (a working
//! directory, an open file, a mount point) shares one dentry: a rename
//! moves it, an unlink marks it deleted, and `getcwd` reads the current
//! names by walking up the parents. A child keeps its parent alive; a
//! parent only refers weakly to its children, which the filesystem can make
//! again from the inode when they are needed.
//!
//! Locking: at most one dentry's `state` is held at a time, and no other
//! lock is taken under it except the inode lookup of a cache miss.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Weak};

use abi::Errno;
use parking_lot::Mutex;

use super::inode::{Attr, InodeRef};

/// The fewest cached children at which a directory's dead ones are swept.
const MIN_SWEEP: usize = 16;

struct State {
    name: Vec<u8>,
    parent: Option<Arc<Dentry>>,
    children: HashMap<Vec<u8>, Weak<Dentry>>,
    /// The size of `children` at which its dead entries are next dropped:
    /// twice the live ones at the last sweep, so that a cache miss in a
    /// large directory costs amortised O(1), not a sweep of every name.
    sweep_at: usize,
    deleted: bool,
    /// What to do when the last user lets go (inotify's `IN_DELETE_SELF`).
    on_release: Option<Box<dyn FnOnce() + Send>>,
}

/// A name of an inode.
pub struct Dentry {
    /// The inode it names.
    pub inode: InodeRef,
    state: Mutex<State>,
    /// How many mounts sit on it.
    mounts: AtomicU32,
    /// An `O_TMPFILE` file without `O_EXCL` that has had no link yet:
    /// `linkat` may give it one (Linux's `I_LINKABLE`).
    linkable: AtomicBool,
    /// The inode's file type (`S_IFMT` bits), once asked for: it never
    /// changes, and a path walk asks at every step.
    kind: AtomicU32,
}

impl Dentry {
    fn make(inode: InodeRef, name: Vec<u8>, parent: Option<Arc<Dentry>>, deleted: bool, linkable: bool) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode,
            state: Mutex::new(State { name, parent, children: HashMap::new(), sweep_at: MIN_SWEEP, deleted, on_release: None }),
            mounts: AtomicU32::new(0),
            linkable: AtomicBool::new(linkable),
            kind: AtomicU32::new(0),
        })
    }

    /// The inode's file type (`S_IFMT` bits of its mode).
    pub fn kind(&self) -> u32 {
        match self.kind.load(Ordering::Relaxed) {
            0 => {
                let k = self.inode.attr().kind();
                self.kind.store(k, Ordering::Relaxed);
                k
            }
            k => k,
        }
    }

    /// The root dentry of a filesystem.
    pub fn new_root(inode: InodeRef) -> Arc<Dentry> {
        Dentry::make(inode, b"/".to_vec(), None, false, false)
    }

    /// A dentry named `name` under `parent` for `inode`, which no
    /// directory names: deleted from the start (a `memfd_create` file).
    pub fn new_unlinked(parent: &Arc<Dentry>, name: &[u8], inode: InodeRef) -> Arc<Dentry> {
        Dentry::make(inode, name.to_vec(), Some(parent.clone()), true, false)
    }

    /// The inode's attributes.
    pub fn attr(&self) -> Attr {
        self.inode.attr()
    }

    /// The parent, or `None` at the root of the filesystem.
    pub fn parent(&self) -> Option<Arc<Dentry>> {
        self.state.lock().parent.clone()
    }

    /// The name under the parent.
    pub fn name(&self) -> Vec<u8> {
        self.state.lock().name.clone()
    }

    /// Whether the name was removed (`unlink`, `rmdir`).
    pub fn is_deleted(&self) -> bool {
        self.state.lock().deleted
    }

    /// The child `name`, from the cache or from the inode.
    pub fn child(self: &Arc<Dentry>, name: &[u8]) -> Result<Arc<Dentry>, Errno> {
        let mut s = self.state.lock();
        if let Some(d) = s.children.get(name).and_then(Weak::upgrade) {
            return Ok(d);
        }
        let inode = self.inode.lookup(name)?;
        let d = Dentry::make(inode, name.to_vec(), Some(self.clone()), false, false);
        if s.children.len() >= s.sweep_at {
            s.children.retain(|_, w| w.strong_count() > 0);
            s.sweep_at = (2 * s.children.len()).max(MIN_SWEEP);
        }
        s.children.insert(name.to_vec(), Arc::downgrade(&d));
        drop(s);
        if self.inode.keeps_names() {
            recent::keep(&d);
        }
        Ok(d)
    }

    /// A dentry for `inode`, a file with no name in this directory
    /// (`O_TMPFILE`): named `#` and its inode number, as on Linux, and
    /// deleted from the start; `linkable` if `linkat` may name it.
    pub fn new_tmpfile(self: &Arc<Dentry>, inode: InodeRef, linkable: bool) -> Arc<Dentry> {
        let name = format!("#{}", inode.attr().ino).into_bytes();
        Dentry::make(inode, name, Some(self.clone()), true, linkable)
    }

    /// Whether a file with no link may be given one ([`Dentry::new_tmpfile`]).
    pub fn linkable(&self) -> bool {
        self.linkable.load(Ordering::Relaxed)
    }

    /// Records that the file was given a link: it is linkable no more.
    pub fn linked(&self) {
        self.linkable.store(false, Ordering::Relaxed);
    }

    /// The cached child `name`, if one is live.
    fn cached(&self, name: &[u8]) -> Option<Arc<Dentry>> {
        self.state.lock().children.get(name).and_then(Weak::upgrade)
    }

    /// Forgets the child `name` after the filesystem removed it: a live
    /// dentry for it is marked deleted.
    pub fn forget_child(&self, name: &[u8]) {
        let gone = self.state.lock().children.remove(name).and_then(|w| w.upgrade());
        if let Some(d) = gone {
            d.state.lock().deleted = true;
            recent::forget(&d);
        }
    }

    /// Records a rename the filesystem made: `old` under `self` is now
    /// `new` under `new_parent` (and what `new` named is gone, or, for an
    /// exchange, now `old` under `self`).
    pub fn moved(self: &Arc<Dentry>, old: &[u8], new_parent: &Arc<Dentry>, new: &[u8], exchange: bool) {
        let moving = self.cached(old);
        let displaced = new_parent.cached(new);
        self.state.lock().children.remove(old);
        new_parent.state.lock().children.remove(new);
        if let Some(d) = &displaced {
            if exchange {
                {
                    let mut s = d.state.lock();
                    s.name = old.to_vec();
                    s.parent = Some(self.clone());
                }
                self.state.lock().children.insert(old.to_vec(), Arc::downgrade(d));
            } else {
                d.state.lock().deleted = true;
                recent::forget(d);
            }
        }
        if let Some(d) = moving {
            {
                let mut s = d.state.lock();
                s.name = new.to_vec();
                s.parent = Some(new_parent.clone());
            }
            new_parent.state.lock().children.insert(new.to_vec(), Arc::downgrade(&d));
        }
    }

    /// Runs `f` when the dentry is dropped (after one set before it).
    pub fn on_release(&self, f: Box<dyn FnOnce() + Send>) {
        let mut s = self.state.lock();
        s.on_release = Some(match s.on_release.take() {
            Some(prev) => Box::new(move || {
                prev();
                f();
            }),
            None => f,
        });
    }

    /// Whether `self` is `other` or one of its ancestors in this filesystem.
    pub fn is_ancestor_of(self: &Arc<Dentry>, other: &Arc<Dentry>) -> bool {
        let mut cur = Some(other.clone());
        while let Some(d) = cur {
            if Arc::ptr_eq(&d, self) {
                return true;
            }
            cur = d.parent();
        }
        false
    }

    /// Whether a mount sits on this dentry.
    pub fn is_mountpoint(&self) -> bool {
        self.mounts.load(Ordering::Relaxed) > 0
    }

    /// Counts a mount on this dentry.
    pub(super) fn add_mount(&self) {
        self.mounts.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Dentry {
    /// Runs the release action, then drops a chain of parents that only
    /// this dentry held one at a time: an app can make a tree deeper than
    /// the sentry's stack.
    fn drop(&mut self) {
        if let Some(f) = self.state.get_mut().on_release.take() {
            f();
        }
        let mut next = self.state.get_mut().parent.take();
        while let Some(p) = next {
            next = Arc::into_inner(p).and_then(|mut d| d.state.get_mut().parent.take());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::inode::NodeSpec;
    use crate::fsimpl::tmpfs::Tmpfs;

    #[test]
    fn children_are_shared_renamed_and_deleted() {
        let fs = Tmpfs::new(1, 1 << 20);
        let root = Dentry::new_root(fs.root());
        root.inode.create(b"a", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        root.inode.create(b"b", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        let a = root.child(b"a").unwrap();
        assert!(Arc::ptr_eq(&a, &root.child(b"a").unwrap()));
        let b = root.child(b"b").unwrap();
        a.inode.create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        let f = a.child(b"f").unwrap();
        a.inode.rename(b"f", &b.inode, b"g", 0).unwrap();
        a.moved(b"f", &b, b"g", false);
        assert_eq!(f.name(), b"g");
        assert!(Arc::ptr_eq(&f.parent().unwrap(), &b));
        assert!(root.is_ancestor_of(&f) && !a.is_ancestor_of(&f));
        b.inode.unlink(b"g", false).unwrap();
        b.forget_child(b"g");
        assert!(f.is_deleted());
        assert!(b.child(b"g").is_err());
    }

    #[test]
    fn dead_children_are_swept_as_the_cache_grows() {
        let fs = Tmpfs::new(1, 1 << 24);
        let root = Dentry::new_root(fs.root());
        for i in 0..3000 {
            let name = format!("f{i}").into_bytes();
            root.inode.create(&name, NodeSpec::Regular, 0o644, 0, 0).unwrap();
            drop(root.child(&name).unwrap());
        }
        // Only the recent list keeps them alive, so at the last sweep at
        // most KEPT were live, and the map has not doubled since.
        let cached = root.state.lock().children.len();
        assert!(cached <= 2 * recent::KEPT, "{cached} names cached");
    }

    #[test]
    fn a_deep_chain_drops_without_recursion() {
        let fs = Tmpfs::new(1, 1 << 20);
        let mut cur = Dentry::new_root(fs.root());
        for _ in 0..200_000 {
            cur.inode.create(b"d", NodeSpec::Directory, 0o755, 0, 0).unwrap();
            cur = cur.child(b"d").unwrap();
        }
        drop(cur);
        drop(fs);
    }
}

/// Dentries kept alive while unused, so that walking the same paths does
/// not look every name up and build its dentry again (more than half of a
/// `stat`'s cost): the ones last made, of filesystems whose names cannot
/// go stale ([`Inode::keeps_names`](super::inode::Inode::keeps_names)).
/// A deleted name leaves at once, so that its file's release (its
/// `IN_DELETE_SELF`, its memory) is not held back.
mod recent {
    use std::collections::VecDeque;
    use std::sync::Arc;

    use parking_lot::Mutex;

    use super::Dentry;

    /// How many are kept.
    pub(super) const KEPT: usize = 1024;

    static RECENT: Mutex<VecDeque<Arc<Dentry>>> = Mutex::new(VecDeque::new());

    /// Keeps `d`, letting the oldest go if the list is full.
    pub(super) fn keep(d: &Arc<Dentry>) {
        let evicted = {
            let mut r = RECENT.lock();
            r.push_back(d.clone());
            if r.len() > KEPT {
                r.pop_front()
            } else {
                None
            }
        };
        // Dropped with no lock held: a release may report to inotify.
        drop(evicted);
    }

    /// Lets `d` go (its name was removed).
    pub(super) fn forget(d: &Arc<Dentry>) {
        let gone = {
            let mut r = RECENT.lock();
            r.iter().position(|k| Arc::ptr_eq(k, d)).and_then(|i| r.remove(i))
        };
        drop(gone);
    }
}
