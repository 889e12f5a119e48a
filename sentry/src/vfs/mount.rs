//! Mounts and the mount namespace: which filesystem is found where.
//!
//! A mount attaches a filesystem's root dentry on a dentry of a parent
//! mount. A place in the tree is a [`Location`]: a mount and a dentry of
//! its filesystem, since one dentry can be reached through several mounts.
//! Mounts are made when the sandbox starts and never unmounted, so the
//! namespace's list only grows. Every mount of a namespace shares its
//! inotify watch table.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;

use super::dentry::Dentry;
use super::inode::InodeRef;
use super::inotify::Notify;

/// A filesystem attached in the tree.
pub struct Mount {
    /// The mount's id (`/proc/self/mountinfo`).
    pub id: u64,
    /// The root of the filesystem.
    pub root: Arc<Dentry>,
    /// Writes through this mount fail with `EROFS`.
    pub read_only: bool,
    /// The filesystem's type name (`tmpfs`, `proc`, ...).
    pub fs_type: &'static str,
    /// Where it is mounted: the parent mount and the dentry it covers
    /// (`None` for the namespace's root).
    pub parent: Option<(Arc<Mount>, Arc<Dentry>)>,
    /// The namespace's inotify watch table.
    notify: Arc<Notify>,
}

impl Mount {
    /// The inotify watch table of the mount's namespace.
    pub fn notify(&self) -> &Arc<Notify> {
        &self.notify
    }
}

/// The id of an internal mount (`memfd_create`'s tmpfs, the mount of
/// nameless files in [`super::nameless`]): one attached nowhere in the
/// tree, as Linux's kernel-internal mounts.
pub const INTERNAL_MOUNT_ID: u64 = 0;

impl Mount {
    /// An internal mount of the filesystem whose root is `fs_root`: its
    /// files are reached only through descriptors, and their paths are
    /// taken from its root (`/memfd:name`) unless their filesystem names
    /// them (`pipe:[N]`, see [`super::ops::path_of`]).
    pub fn internal(fs_root: InodeRef, fs_type: &'static str) -> Arc<Mount> {
        Arc::new(Mount { id: INTERNAL_MOUNT_ID, root: Dentry::new_root(fs_root), read_only: false, fs_type, parent: None, notify: Notify::new() })
    }

    /// Whether this is an internal mount (see [`Mount::internal`]).
    pub fn is_internal(&self) -> bool {
        self.id == INTERNAL_MOUNT_ID
    }
}

/// A place in the tree: a dentry as seen through a mount.
#[derive(Clone)]
pub struct Location {
    /// The mount.
    pub mnt: Arc<Mount>,
    /// The dentry, in the mount's filesystem.
    pub dentry: Arc<Dentry>,
}

impl Location {
    /// The inode there.
    pub fn inode(&self) -> &InodeRef {
        &self.dentry.inode
    }

    /// Whether two locations are the same place.
    pub fn same(&self, other: &Location) -> bool {
        Arc::ptr_eq(&self.mnt, &other.mnt) && Arc::ptr_eq(&self.dentry, &other.dentry)
    }

    /// Whether this is the root of its mount.
    pub fn is_mount_root(&self) -> bool {
        Arc::ptr_eq(&self.mnt.root, &self.dentry)
    }
}

/// The tree of mounts processes see.
pub struct MountNamespace {
    root: Arc<Mount>,
    mounts: RwLock<Vec<Arc<Mount>>>,
    next_id: AtomicU64,
}

impl MountNamespace {
    /// A namespace whose root is `root` (a filesystem's root inode).
    pub fn new(root: InodeRef, fs_type: &'static str, read_only: bool) -> MountNamespace {
        let root = Arc::new(Mount { id: 1, root: Dentry::new_root(root), read_only, fs_type, parent: None, notify: Notify::new() });
        MountNamespace { mounts: RwLock::new(vec![root.clone()]), root, next_id: AtomicU64::new(2) }
    }

    /// The root of the namespace.
    pub fn root(&self) -> Location {
        Location { mnt: self.root.clone(), dentry: self.root.root.clone() }
    }

    /// Mounts the filesystem whose root is `fs_root` on `at`.
    pub fn mount(&self, at: &Location, fs_root: InodeRef, fs_type: &'static str, read_only: bool) -> Location {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let m = Arc::new(Mount { id, root: Dentry::new_root(fs_root), read_only, fs_type, parent: Some((at.mnt.clone(), at.dentry.clone())), notify: self.root.notify.clone() });
        at.dentry.add_mount();
        self.mounts.write().push(m.clone());
        Location { mnt: m.clone(), dentry: m.root.clone() }
    }

    /// What is seen at `loc`: the root of the last mount made on it (and
    /// on that one's root, and so on), or `loc` itself.
    pub fn cross_down(&self, mut loc: Location) -> Location {
        while loc.dentry.is_mountpoint() {
            let on = self.mounts.read().iter().rev().find(|m| m.parent.as_ref().is_some_and(|(pm, pd)| Arc::ptr_eq(pm, &loc.mnt) && Arc::ptr_eq(pd, &loc.dentry))).cloned();
            match on {
                Some(m) => loc = Location { dentry: m.root.clone(), mnt: m },
                None => break,
            }
        }
        loc
    }

    /// The inotify watch table of every file in the namespace.
    pub fn notify(&self) -> &Arc<Notify> {
        &self.root.notify
    }

    /// Every mount, in the order they were made.
    pub fn mounts(&self) -> Vec<Arc<Mount>> {
        self.mounts.read().clone()
    }
}
