//! The overlay: a writable upper filesystem (tmpfs) over a read-only
//! lower one (the host), as Linux's overlayfs.
//!
//! A name is looked up in the upper layer, then in the lower one unless
//! the upper has a non-directory there, a whiteout (a character device
//! 0:0, which hides the lower name) or an opaque directory (one made
//! where a lower directory was removed; marked with the
//! `trusted.overlay.opaque` attribute, which the sandbox's own calls never
//! reach). Directories present in both layers list the names of both.
//! Changing a lower file first copies it up: its parents, then itself
//! (data, mode, owner, times). Removing a lower name leaves a whiteout.
//! Renaming a directory that has lower contents is `EXDEV`, as overlayfs
//! without `redirect_dir` answers; `mv` then copies.
//!
//! An inode number is the lower file's when there is one, so copy-up does
//! not change it; the layers share one number allocator.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::sync::Arc;

use abi::errno::{EEXIST, EINVAL, ENOENT, ENOTEMPTY, EPERM, EXDEV};
use abi::fs::{mode, rename, Statfs};
use abi::Errno;
use parking_lot::Mutex;

use crate::vfs::inode::{Attr, DirEntry, HostMapping, Inode, InodeRef, MapWant, NodeSpec, SetAttr};
use crate::vfs::OpenFile;
use crate::vfs::Context;

const OPAQUE: &[u8] = b"trusted.overlay.opaque";
/// On a copied-up file: the inode number of the lower file it came from.
const ORIGIN: &[u8] = b"trusted.overlay.origin";

struct Shared {
    dev: u64,
    /// The upper layer's root, whose filesystem `statfs` describes.
    upper_root: InodeRef,
    /// Serialises copy-ups, so that one file is copied once.
    copy: Mutex<()>,
}

/// An overlay inode.
pub struct Node {
    fs: Arc<Shared>,
    upper: Mutex<Option<InodeRef>>,
    lower: Option<InodeRef>,
    /// Where it was found, for copy-up (none for the root). A node with
    /// a lower file never moves: renaming one copies it up first, and a
    /// directory with lower contents cannot be renamed.
    parent: Option<(Arc<Node>, Vec<u8>)>,
    /// The node itself, for the calls that reach it by reference.
    me: std::sync::Weak<Node>,
}

/// The root of an overlay of `upper_root` (a writable directory) on
/// `lower_root`, with device number `dev`.
pub fn new(upper_root: InodeRef, lower_root: InodeRef, dev: u64) -> InodeRef {
    Arc::new_cyclic(|me| Node { fs: Arc::new(Shared { dev, upper_root: upper_root.clone(), copy: Mutex::new(()) }), upper: Mutex::new(Some(upper_root)), lower: Some(lower_root), parent: None, me: me.clone() })
}

/// The overlay's own attributes (`trusted.overlay.*`) are out of the
/// app's reach: `EOPNOTSUPP`, as overlayfs answers.
fn own_xattr(name: &[u8]) -> Result<(), Errno> {
    if name.starts_with(b"trusted.overlay.") {
        Err(abi::errno::EOPNOTSUPP)
    } else {
        Ok(())
    }
}

fn is_whiteout(i: &InodeRef) -> bool {
    let a = i.attr();
    a.kind() == mode::S_IFCHR && a.rdev == 0
}

fn is_opaque(i: &InodeRef) -> bool {
    i.get_xattr(OPAQUE).is_ok_and(|v| v == b"y")
}

/// The overlay node behind an inode of this overlay.
fn node_of(i: &InodeRef) -> Result<Arc<Node>, Errno> {
    i.clone().into_any().downcast::<Node>().map_err(|_| EXDEV)
}

impl Node {
    fn upper(&self) -> Option<InodeRef> {
        self.upper.lock().clone()
    }

    fn layer(&self) -> InodeRef {
        self.upper().or_else(|| self.lower.clone()).expect("a node has a layer")
    }

    fn child(self: &Arc<Node>, name: &[u8], upper: Option<InodeRef>, lower: Option<InodeRef>) -> Arc<Node> {
        Arc::new_cyclic(|me| Node { fs: self.fs.clone(), upper: Mutex::new(upper), lower, parent: Some((self.clone(), name.to_vec())), me: me.clone() })
    }

    /// The node's upper inode, copying it (and its parents) up first.
    fn copy_up(self: &Arc<Node>) -> Result<InodeRef, Errno> {
        if let Some(u) = self.upper() {
            return Ok(u);
        }
        let (parent, name) = self.parent.as_ref().ok_or(EINVAL)?;
        let parent_up = parent.copy_up()?;
        let _g = self.fs.copy.lock();
        if let Some(u) = self.upper() {
            return Ok(u);
        }
        let lower = self.lower.as_ref().ok_or(EINVAL)?;
        let a = lower.attr();
        let spec = match a.kind() {
            mode::S_IFDIR => NodeSpec::Directory,
            mode::S_IFREG => NodeSpec::Regular,
            mode::S_IFLNK => NodeSpec::Symlink(lower.readlink()?),
            mode::S_IFIFO => NodeSpec::Fifo,
            mode::S_IFCHR => NodeSpec::CharDevice(a.rdev),
            mode::S_IFSOCK => NodeSpec::Socket,
            _ => return Err(EPERM),
        };
        let regular = spec == NodeSpec::Regular;
        let up = parent_up.create(name, spec, a.mode & 0o7777, a.uid, a.gid)?;
        up.set_xattr(ORIGIN, &a.ino.to_ne_bytes())?;
        if regular {
            let mut buf = vec![0u8; 1 << 16];
            let mut off = 0u64;
            loop {
                let n = lower.read_at(&mut buf, off)?;
                if n == 0 {
                    break;
                }
                let mut done = 0;
                while done < n {
                    done += up.write_at(&buf[done..n], off + done as u64)?;
                }
                off += n as u64;
            }
        }
        up.setattr(&SetAttr { atime: Some(a.atime), mtime: Some(a.mtime), ctime: a.ctime, ..SetAttr::default() })?;
        *self.upper.lock() = Some(up.clone());
        Ok(up)
    }

    /// The merged listing (with whiteouts applied).
    fn merged(&self) -> Result<BTreeMap<Vec<u8>, DirEntry>, Errno> {
        let mut out = BTreeMap::new();
        let mut hidden = HashSet::new();
        let upper = self.upper();
        if let Some(u) = &upper {
            for e in u.readdir()? {
                if e.dtype == abi::fs::dt::CHR && u.lookup(&e.name).is_ok_and(|i| is_whiteout(&i)) {
                    hidden.insert(e.name);
                } else {
                    out.insert(e.name.clone(), e);
                }
            }
        }
        if let Some(l) = &self.lower {
            if !upper.as_ref().is_some_and(is_opaque) {
                for e in l.readdir()? {
                    if hidden.contains(&e.name) {
                        continue;
                    }
                    match out.get_mut(&e.name) {
                        // The number of a name in both layers is the lower one's.
                        Some(u) if u.dtype == abi::fs::dt::DIR && e.dtype == abi::fs::dt::DIR => u.ino = e.ino,
                        Some(_) => {}
                        None => {
                            out.insert(e.name.clone(), e);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Clears the whiteout at `name` in the upper directory `up`, if one
    /// is there; returns whether one was.
    fn clear_whiteout(up: &InodeRef, name: &[u8]) -> Result<bool, Errno> {
        match up.lookup(name) {
            Ok(w) if is_whiteout(&w) => {
                up.unlink(name, false)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Empties an upper directory of the whiteouts it holds, before it is
    /// removed or replaced (the merged view already said it is empty).
    fn clear_whiteouts(dir: &InodeRef) -> Result<(), Errno> {
        for e in dir.readdir()? {
            Node::clear_whiteout(dir, &e.name)?;
        }
        Ok(())
    }

    /// Whether the lower layer shows a file `name` in this directory (so
    /// that removing it takes a whiteout).
    fn lower_has(&self, name: &[u8]) -> bool {
        !self.upper().as_ref().is_some_and(is_opaque) && self.lower.as_ref().is_some_and(|l| l.lookup(name).is_ok())
    }

    fn me(&self) -> Result<Arc<Node>, Errno> {
        self.me.upgrade().ok_or(EINVAL)
    }
}

impl Inode for Node {
    /// The upper layer changes only by the sandbox's own calls, and the
    /// lower one is taken not to change under a running sandbox (Linux's
    /// overlayfs makes the same demand of its lower layers), so a name,
    /// once looked up, stays right; keeping it spares a walk through the
    /// host's directories its host lookups.
    fn keeps_names(&self) -> bool {
        true
    }

    fn attr(&self) -> Attr {
        let mut a = match self.upper() {
            Some(u) => {
                let mut a = u.attr();
                if let Some(ino) = u.get_xattr(ORIGIN).ok().and_then(|v| v.try_into().ok()).map(u64::from_ne_bytes) {
                    a.ino = ino;
                } else if let Some(l) = &self.lower {
                    a.ino = l.attr().ino;
                }
                a
            }
            None => self.layer().attr(),
        };
        a.dev = self.fs.dev;
        a
    }

    fn setattr(&self, set: &SetAttr) -> Result<(), Errno> {
        let up = match self.upper() {
            Some(u) => u,
            None => self.me()?.copy_up()?,
        };
        up.setattr(set)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        let upper = self.upper();
        let up_child = match &upper {
            Some(u) => match u.lookup(name) {
                Ok(c) if is_whiteout(&c) => return Err(ENOENT),
                Ok(c) => Some(c),
                Err(ENOENT) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let search_lower = !upper.as_ref().is_some_and(is_opaque) && up_child.as_ref().is_none_or(|c| c.attr().is_dir() && !is_opaque(c));
        let low_child = match (&self.lower, search_lower) {
            (Some(l), true) => match l.lookup(name) {
                Ok(c) if up_child.is_none() || c.attr().is_dir() => Some(c),
                Ok(_) | Err(ENOENT) => None,
                Err(e) => return Err(e),
            },
            _ => None,
        };
        if up_child.is_none() && low_child.is_none() {
            return Err(ENOENT);
        }
        Ok(self.me()?.child(name, up_child, low_child))
    }

    fn create(&self, name: &[u8], spec: NodeSpec, perm: u32, uid: u32, gid: u32) -> Result<InodeRef, Errno> {
        if self.lookup(name).is_ok() {
            return Err(EEXIST);
        }
        let me = self.me()?;
        let up = me.copy_up()?;
        let was_whiteout = Node::clear_whiteout(&up, name)?;
        let dir = spec == NodeSpec::Directory;
        let new = up.create(name, spec, perm, uid, gid)?;
        if dir && was_whiteout {
            // A lower directory of that name, now removed, must not show
            // through.
            new.set_xattr(OPAQUE, b"y")?;
        }
        Ok(me.child(name, Some(new), None))
    }

    /// In the upper layer, the directory copied up first.
    fn tmpfile(&self, perm: u32, uid: u32, gid: u32) -> Result<InodeRef, Errno> {
        let me = self.me()?;
        let new = me.copy_up()?.tmpfile(perm, uid, gid)?;
        Ok(me.child(b"", Some(new), None))
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        if self.lookup(name).is_ok() {
            return Err(EEXIST);
        }
        let t = node_of(target)?;
        let t_up = t.copy_up()?;
        let up = self.me()?.copy_up()?;
        Node::clear_whiteout(&up, name)?;
        up.link(name, &t_up)
    }

    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        let child = node_of(&self.lookup(name)?)?;
        if dir && child.attr().is_dir() && !child.merged()?.is_empty() {
            return Err(ENOTEMPTY);
        }
        let up = self.me()?.copy_up()?;
        if let Some(cu) = child.upper() {
            if dir && cu.attr().is_dir() {
                Node::clear_whiteouts(&cu)?;
            }
            up.unlink(name, dir)?;
        } else if dir != child.attr().is_dir() {
            return Err(if dir { abi::errno::ENOTDIR } else { abi::errno::EISDIR });
        }
        if self.lower_has(name) {
            up.create(name, NodeSpec::CharDevice(0), 0, 0, 0)?;
        }
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8], flags: u32) -> Result<(), Errno> {
        let src = node_of(&self.lookup(old)?)?;
        let nd = node_of(new_dir)?;
        let dst = nd.lookup(new).ok().map(|d| node_of(&d)).transpose()?;
        let lower_dir = |n: &Node| n.lower.as_ref().is_some_and(|l| l.attr().is_dir());
        if lower_dir(&src) || (flags & rename::EXCHANGE != 0 && dst.as_deref().is_some_and(lower_dir)) {
            return Err(EXDEV);
        }
        if let Some(d) = &dst {
            if d.attr().is_dir() && src.attr().is_dir() && !d.merged()?.is_empty() {
                return Err(ENOTEMPTY);
            }
        }
        let me = self.me()?;
        let up = me.copy_up()?;
        let nd_up = nd.copy_up()?;
        src.copy_up()?;
        if let Some(d) = &dst {
            let du = d.copy_up()?;
            if du.attr().is_dir() && flags & rename::EXCHANGE == 0 {
                Node::clear_whiteouts(&du)?;
            }
        }
        let was_whiteout = Node::clear_whiteout(&nd_up, new)?;
        up.rename(old, &nd_up, new, flags)?;
        let covers_lower = was_whiteout || nd.lower_has(new);
        if src.attr().is_dir() && covers_lower {
            nd_up.lookup(new)?.set_xattr(OPAQUE, b"y")?;
        }
        if flags & rename::EXCHANGE == 0 && self.lower_has(old) {
            up.create(old, NodeSpec::CharDevice(0), 0, 0, 0)?;
        }
        Ok(())
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        Ok(self.merged()?.into_values().collect())
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        self.layer().readlink()
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.layer().read_at(buf, offset)
    }

    fn write_at(&self, data: &[u8], offset: u64) -> Result<usize, Errno> {
        let up = match self.upper() {
            Some(u) => u,
            None => self.me()?.copy_up()?,
        };
        up.write_at(data, offset)
    }

    fn seek_data(&self, offset: u64, hole: bool) -> Result<u64, Errno> {
        self.layer().seek_data(offset, hole)
    }

    /// The upper layer's figures, as overlayfs reports them, with its type.
    fn statfs(&self) -> Statfs {
        const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;
        Statfs { kind: OVERLAYFS_SUPER_MAGIC, ..self.fs.upper_root.statfs() }
    }

    fn get_xattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        own_xattr(name)?;
        self.layer().get_xattr(name)
    }

    fn set_xattr(&self, name: &[u8], value: &[u8]) -> Result<(), Errno> {
        own_xattr(name)?;
        self.prepare_write()?;
        self.layer().set_xattr(name, value)
    }

    fn list_xattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        // The overlay's own attributes are not the file's.
        Ok(self.layer().list_xattr()?.into_iter().filter(|n| !n.starts_with(b"trusted.overlay.")).collect())
    }

    fn remove_xattr(&self, name: &[u8]) -> Result<(), Errno> {
        own_xattr(name)?;
        self.prepare_write()?;
        self.layer().remove_xattr(name)
    }

    fn prepare_write(&self) -> Result<(), Errno> {
        if self.upper().is_none() {
            self.me()?.copy_up()?;
        }
        Ok(())
    }

    fn open_special(&self, ctx: &mut dyn Context, at: &crate::vfs::Location, flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        self.layer().open_special(ctx, at, flags)
    }

    fn host_file(&self) -> Result<File, Errno> {
        self.layer().host_file()
    }

    /// A mapping that may write the file maps the upper copy (copying up
    /// first); others map whichever layer holds the file now, so a
    /// shared mapping of a lower file does not see a later copy-up, as on
    /// Linux's overlayfs.
    fn map(&self, want: MapWant) -> Result<HostMapping, Errno> {
        if want.shared && want.may_write {
            self.prepare_write()?;
        }
        self.layer().map(want)
    }
}

impl Drop for Node {
    /// Drops a chain of parents one at a time (see `Dentry`'s drop).
    fn drop(&mut self) {
        let mut next = self.parent.take().map(|(p, _)| p);
        while let Some(p) = next {
            next = Arc::into_inner(p).and_then(|mut n| n.parent.take().map(|(p, _)| p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::inode::InoAllocator;
    use crate::fsimpl::tmpfs::Tmpfs;
    use crate::fsimpl::host;

    fn names(i: &InodeRef) -> Vec<Vec<u8>> {
        i.readdir().unwrap().into_iter().map(|e| e.name).collect()
    }

    #[test]
    fn a_mapping_that_may_write_maps_the_copied_up_file() {
        use std::os::unix::fs::FileExt;
        let dir = std::env::temp_dir().join(format!("sbx-overlay-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("f"), b"lower").unwrap();
        let inos = InoAllocator::new();
        let upper = Tmpfs::with_inos(9, 1 << 20, None, inos.clone(), 0o755).root();
        let root = new(upper.clone(), host::open_root(&dir, 9, inos, false).unwrap(), 9);
        let f = root.lookup(b"f").unwrap();
        let ro = f.map(MapWant { shared: true, write: false, may_write: false }).unwrap();
        assert!(ro.writers.is_none());
        assert!(upper.lookup(b"f").is_err(), "a read-only mapping maps the lower file");
        assert!(ro.file.write_at(b"x", 0).is_err(), "through a read-only host descriptor");
        let rw = f.map(MapWant { shared: true, write: true, may_write: true }).unwrap();
        assert!(rw.writers.is_some());
        rw.file.write_all_at(b"UP", 0).unwrap();
        let mut buf = [0u8; 5];
        assert_eq!(upper.lookup(b"f").unwrap().read_at(&mut buf, 0), Ok(5));
        assert_eq!(&buf, b"UPwer", "a writable mapping maps the upper copy");
        assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"lower", "the host file is untouched");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trusted_attributes_copy_up_and_the_overlays_own_are_hidden() {
        let dir = std::env::temp_dir().join(format!("sbx-overlay-xattr-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("d")).unwrap();
        std::fs::write(dir.join("f"), b"lower").unwrap();
        let inos = InoAllocator::new();
        let upper = Tmpfs::with_inos(9, 1 << 20, None, inos.clone(), 0o755).root();
        let root = new(upper.clone(), host::open_root(&dir, 9, inos, false).unwrap(), 9);
        let f = root.lookup(b"f").unwrap();
        assert_eq!(f.get_xattr(b"trusted.k"), Err(abi::errno::ENODATA), "a lower file has none");
        f.set_xattr(b"trusted.k", b"v").unwrap();
        assert_eq!(f.get_xattr(b"trusted.k"), Ok(b"v".to_vec()));
        assert!(upper.lookup(b"f").is_ok(), "setting one copies the file up");
        root.unlink(b"d", true).unwrap();
        root.create(b"d", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        let d = root.lookup(b"d").unwrap();
        assert_eq!(d.get_xattr(b"trusted.overlay.opaque"), Err(abi::errno::EOPNOTSUPP));
        assert_eq!(d.set_xattr(b"trusted.overlay.opaque", b"n"), Err(abi::errno::EOPNOTSUPP));
        assert_eq!(d.remove_xattr(b"trusted.overlay.opaque"), Err(abi::errno::EOPNOTSUPP));
        assert!(names(&d).is_empty(), "still opaque");
        assert!(d.list_xattr().unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn copy_up_whiteouts_and_merged_listings() {
        let dir = std::env::temp_dir().join(format!("sbx-overlay-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("d/sub")).unwrap();
        std::fs::write(dir.join("d/f"), b"lower").unwrap();
        std::fs::write(dir.join("top"), b"t").unwrap();
        let inos = InoAllocator::new();
        let upper = Tmpfs::with_inos(9, 1 << 20, None, inos.clone(), 0o755).root();
        let root = new(upper.clone(), host::open_root(&dir, 9, inos, false).unwrap(), 9);
        assert_eq!(names(&root), [b"d".to_vec(), b"top".to_vec()]);
        let d = root.lookup(b"d").unwrap();
        let f = d.lookup(b"f").unwrap();
        let ino = f.attr().ino;
        assert_eq!(f.write_at(b"UP", 0), Ok(2));
        let mut buf = [0u8; 8];
        assert_eq!(f.read_at(&mut buf, 0), Ok(5));
        assert_eq!(&buf[..5], b"UPwer");
        assert_eq!(f.attr().ino, ino, "copy-up keeps the inode number");
        assert_eq!(std::fs::read(dir.join("d/f")).unwrap(), b"lower", "the host file is untouched");
        d.create(b"new", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        assert_eq!(names(&d), [b"f".to_vec(), b"new".to_vec(), b"sub".to_vec()]);
        d.unlink(b"sub", true).unwrap();
        d.unlink(b"f", false).unwrap();
        assert_eq!(names(&d), [b"new".to_vec()]);
        assert_eq!(d.lookup(b"f").err(), Some(ENOENT));
        d.create(b"sub", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        assert!(names(&d.lookup(b"sub").unwrap()).is_empty(), "a directory made over a whiteout is opaque");
        assert_eq!(root.rename(b"d", &root, b"e", 0), Err(EXDEV));
        root.rename(b"top", &root, b"top2", 0).unwrap();
        assert_eq!(names(&root), [b"d".to_vec(), b"top2".to_vec()]);
        assert_eq!(root.unlink(b"d", true), Err(ENOTEMPTY));
        assert!(dir.join("d/sub").is_dir() && dir.join("top").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
