//! tmpfs: a filesystem in memory.
//!
//! Regular files keep their data in 4 KiB pages, allocated when first
//! written, so files are sparse and `SEEK_DATA`/`SEEK_HOLE` find the pages
//! (Linux's tmpfs works at page granularity too). Directories, symbolic
//! links, named pipes (on the sandbox's pipes) and device nodes exist with
//! their modes, owners, link counts (an `O_TMPFILE` file starts with
//! none) and the timestamps Linux keeps: birth,
//! change, modification, and access under the `relatime` rule. The pages
//! of one filesystem are limited; a write beyond the limit is `ENOSPC`.
//!
//! Locking: a directory's entries, then (for link counts and times) the
//! metadata of the inodes in it; a rename locks its two directories in
//! address order. File data and metadata are leaves.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use abi::errno::{EEXIST, EFBIG, EINVAL, EISDIR, EMLINK, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, ENXIO, EXDEV};
use abi::fs::{mode, rename, Statfs};
use abi::Errno;
use parking_lot::Mutex;

use super::inode::{now_ns, Attr, DirEntry, InoAllocator, Inode, InodeRef, Nanos, NodeSpec, SetAttr};
use super::pipe::Pipe;
use super::OpenFile;
use crate::kernel::task::Task;

/// `TMPFS_MAGIC`.
const TMPFS_MAGIC: i64 = 0x0102_1994;
/// The page size of file data.
const PAGE: u64 = abi::PAGE_SIZE;
/// The largest file (`MAX_LFS_FILESIZE`).
const MAX_FILE_SIZE: u64 = i64::MAX as u64;
/// The most links one inode may have.
const LINK_MAX: u64 = u32::MAX as u64;
/// A day: `relatime` updates an access time at least this often.
const DAY_NS: Nanos = 24 * 3600 * 1_000_000_000;

/// Memory shared by several tmpfs instances: the sandbox's overall limit
/// on file data in memory.
#[derive(Debug)]
pub struct Budget {
    used: AtomicU64,
    max_pages: u64,
}

impl Budget {
    /// A budget of `max_bytes` (rounded down to pages).
    pub fn new(max_bytes: u64) -> Arc<Budget> {
        Arc::new(Budget { used: AtomicU64::new(0), max_pages: max_bytes / PAGE })
    }

    /// Takes one page, if one is left.
    fn take(&self) -> bool {
        if self.used.fetch_add(1, Ordering::Relaxed) >= self.max_pages {
            self.used.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// What a tmpfs instance shares among its inodes.
struct Shared {
    dev: u64,
    inos: Arc<InoAllocator>,
    /// Pages in use, and the most there may be.
    pages: AtomicU64,
    max_pages: u64,
    /// The overall budget the pages also count against.
    budget: Option<Arc<Budget>>,
}

struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u64,
    rdev: u64,
    atime: Nanos,
    mtime: Nanos,
    ctime: Nanos,
    btime: Nanos,
    xattrs: HashMap<Vec<u8>, Vec<u8>>,
}

#[derive(Default)]
struct Data {
    size: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

/// A directory's entries by name.
type Entries = BTreeMap<Vec<u8>, Arc<Node>>;

enum Body {
    Regular(Mutex<Data>),
    Dir(Mutex<Entries>),
    Symlink(Vec<u8>),
    Fifo(Arc<Pipe>),
    Device,
}

/// A tmpfs inode.
pub struct Node {
    ino: u64,
    fs: Arc<Shared>,
    meta: Mutex<Meta>,
    body: Body,
}

/// A tmpfs instance.
pub struct Tmpfs {
    root: Arc<Node>,
}

impl Tmpfs {
    /// A new empty tmpfs with device number `dev` and room for
    /// `max_bytes` of file data; its root is a directory owned by root,
    /// mode 1777 as Linux's default.
    pub fn new(dev: u64, max_bytes: u64) -> Tmpfs {
        Tmpfs::with_inos(dev, max_bytes, None, InoAllocator::new(), 0o1777)
    }

    /// A new tmpfs whose pages also count against `budget`, numbering its
    /// inodes from `inos`, with root mode `perm` (owned by root).
    pub fn with_inos(dev: u64, max_bytes: u64, budget: Option<&Arc<Budget>>, inos: Arc<InoAllocator>, perm: u32) -> Tmpfs {
        let fs = Arc::new(Shared { dev, inos, pages: AtomicU64::new(0), max_pages: max_bytes / PAGE, budget: budget.cloned() });
        let root = Node::new(&fs, NodeSpec::Directory, perm, 0, 0, now_ns());
        root.meta.lock().nlink = 2;
        Tmpfs { root }
    }

    /// The root directory.
    pub fn root(&self) -> InodeRef {
        self.root.clone()
    }
}

impl Node {
    fn new(fs: &Arc<Shared>, spec: NodeSpec, perm: u32, uid: u32, gid: u32, now: Nanos) -> Arc<Node> {
        let ino = fs.inos.next();
        let mut rdev = 0;
        let body = match spec.clone() {
            NodeSpec::Regular => Body::Regular(Mutex::new(Data::default())),
            NodeSpec::Directory => Body::Dir(Mutex::new(BTreeMap::new())),
            NodeSpec::Symlink(t) => Body::Symlink(t),
            NodeSpec::Fifo => Body::Fifo(Pipe::new(ino, uid, gid, now)),
            NodeSpec::CharDevice(d) => {
                rdev = d;
                Body::Device
            }
        };
        let nlink = if matches!(spec, NodeSpec::Directory) { 2 } else { 1 };
        let meta = Meta { mode: spec.kind() | (perm & 0o7777), uid, gid, nlink, rdev, atime: now, mtime: now, ctime: now, btime: now, xattrs: HashMap::new() };
        Arc::new(Node { ino, fs: fs.clone(), meta: Mutex::new(meta), body })
    }

    fn entries(&self) -> Result<&Mutex<Entries>, Errno> {
        match &self.body {
            Body::Dir(e) => Ok(e),
            _ => Err(ENOTDIR),
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.body, Body::Dir(_))
    }

    /// Marks a change to a directory's entries.
    fn touch_dir(&self, now: Nanos) {
        let mut m = self.meta.lock();
        m.mtime = now;
        m.ctime = now;
    }

    fn touch_ctime(&self, now: Nanos) {
        self.meta.lock().ctime = now;
    }

    /// The `relatime` rule for reads.
    fn touch_atime(&self) {
        let now = now_ns();
        let mut m = self.meta.lock();
        if m.atime <= m.mtime || m.atime <= m.ctime || now - m.atime >= DAY_NS {
            m.atime = now;
        }
    }

    fn add_links(&self, delta: i64) {
        let mut m = self.meta.lock();
        m.nlink = m.nlink.saturating_add_signed(delta);
    }

    /// The tmpfs node behind `inode`, if it belongs to this filesystem.
    fn same_fs(&self, inode: &InodeRef) -> Option<Arc<Node>> {
        inode.clone().into_any().downcast::<Node>().ok().filter(|n| Arc::ptr_eq(&n.fs, &self.fs))
    }

    fn free_pages(&self, n: u64) {
        self.fs.pages.fetch_sub(n, Ordering::Relaxed);
        if let Some(b) = &self.fs.budget {
            b.used.fetch_sub(n, Ordering::Relaxed);
        }
    }

    /// Takes a page from the filesystem and the overall budget.
    fn take_page(&self) -> bool {
        if self.fs.pages.fetch_add(1, Ordering::Relaxed) >= self.fs.max_pages {
            self.fs.pages.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        if self.fs.budget.as_ref().is_some_and(|b| !b.take()) {
            self.fs.pages.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        match &mut self.body {
            Body::Regular(d) => {
                let n = d.get_mut().pages.len() as u64;
                self.free_pages(n);
            }
            Body::Dir(entries) => {
                // Free a deep tree one directory at a time, not by
                // recursion: an app can make it deeper than the stack.
                let mut stack: Vec<Arc<Node>> = std::mem::take(entries.get_mut()).into_values().collect();
                while let Some(n) = stack.pop() {
                    if let Some(mut n) = Arc::into_inner(n) {
                        if let Body::Dir(e) = &mut n.body {
                            stack.extend(std::mem::take(e.get_mut()).into_values());
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

impl Inode for Node {
    fn attr(&self) -> Attr {
        let m = self.meta.lock();
        let (size, blocks) = match &self.body {
            Body::Regular(d) => {
                let d = d.lock();
                (d.size, d.pages.len() as u64 * (PAGE / 512))
            }
            Body::Dir(e) => ((e.lock().len() as u64 + 2) * 20, 0),
            Body::Symlink(t) => (t.len() as u64, 0),
            _ => (0, 0),
        };
        Attr {
            ino: self.ino,
            dev: self.fs.dev,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: m.rdev,
            size,
            blocks,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
            btime: m.btime,
        }
    }

    fn setattr(&self, set: &SetAttr) -> Result<(), Errno> {
        if let Some(size) = set.size {
            let Body::Regular(d) = &self.body else { return Err(EINVAL) };
            if size > MAX_FILE_SIZE {
                return Err(EFBIG);
            }
            let mut d = d.lock();
            let keep = size.div_ceil(PAGE);
            let dropped = d.pages.split_off(&keep).len() as u64;
            self.free_pages(dropped);
            if size % PAGE != 0 {
                if let Some(p) = d.pages.get_mut(&(size / PAGE)) {
                    p[(size % PAGE) as usize..].fill(0);
                }
            }
            d.size = size;
            let mut m = self.meta.lock();
            m.mtime = set.ctime;
        }
        let mut m = self.meta.lock();
        if let Some(p) = set.mode {
            m.mode = (m.mode & mode::S_IFMT) | (p & 0o7777);
        }
        if let Some(u) = set.uid {
            m.uid = u;
        }
        if let Some(g) = set.gid {
            m.gid = g;
        }
        if let Some(t) = set.atime {
            m.atime = t;
        }
        if let Some(t) = set.mtime {
            m.mtime = t;
        }
        m.ctime = set.ctime;
        Ok(())
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        let e = self.entries()?.lock();
        e.get(name).map(|n| n.clone() as InodeRef).ok_or(ENOENT)
    }

    fn create(&self, name: &[u8], spec: NodeSpec, perm: u32, uid: u32, gid: u32) -> Result<InodeRef, Errno> {
        let mut e = self.entries()?.lock();
        if e.contains_key(name) {
            return Err(EEXIST);
        }
        let dir = matches!(spec, NodeSpec::Directory);
        if dir && self.meta.lock().nlink >= LINK_MAX {
            return Err(EMLINK);
        }
        let now = now_ns();
        let node = Node::new(&self.fs, spec, perm, uid, gid, now);
        e.insert(name.to_vec(), node.clone());
        if dir {
            self.add_links(1);
        }
        self.touch_dir(now);
        Ok(node)
    }

    fn tmpfile(&self, perm: u32, uid: u32, gid: u32) -> Result<InodeRef, Errno> {
        self.entries()?;
        let node = Node::new(&self.fs, NodeSpec::Regular, perm, uid, gid, now_ns());
        node.meta.lock().nlink = 0;
        Ok(node)
    }

    fn link(&self, name: &[u8], target: &InodeRef) -> Result<(), Errno> {
        let target = self.same_fs(target).ok_or(EXDEV)?;
        let mut e = self.entries()?.lock();
        if e.contains_key(name) {
            return Err(EEXIST);
        }
        if target.meta.lock().nlink >= LINK_MAX {
            return Err(EMLINK);
        }
        let now = now_ns();
        target.add_links(1);
        target.touch_ctime(now);
        e.insert(name.to_vec(), target);
        self.touch_dir(now);
        Ok(())
    }

    fn unlink(&self, name: &[u8], dir: bool) -> Result<(), Errno> {
        let mut e = self.entries()?.lock();
        let victim = e.get(name).ok_or(ENOENT)?.clone();
        match (dir, victim.is_dir()) {
            (true, false) => return Err(ENOTDIR),
            (false, true) => return Err(EISDIR),
            (true, true) if !victim.entries()?.lock().is_empty() => return Err(ENOTEMPTY),
            _ => {}
        }
        e.remove(name);
        let now = now_ns();
        if dir {
            self.add_links(-1);
            victim.add_links(-2);
        } else {
            victim.add_links(-1);
        }
        victim.touch_ctime(now);
        self.touch_dir(now);
        Ok(())
    }

    fn rename(&self, old: &[u8], new_dir: &InodeRef, new: &[u8], flags: u32) -> Result<(), Errno> {
        let to = self.same_fs(new_dir).ok_or(EXDEV)?;
        let same = std::ptr::eq(self, &*to);
        // Lock the two directories in address order.
        let mut first = if same || (self as *const Node) < Arc::as_ptr(&to) { self.entries()?.lock() } else { to.entries()?.lock() };
        let mut second = if same { None } else { Some(if (self as *const Node) < Arc::as_ptr(&to) { to.entries()?.lock() } else { self.entries()?.lock() }) };
        let (src, dst) = match &mut second {
            None => (&mut *first, None),
            Some(s) if (self as *const Node) < Arc::as_ptr(&to) => (&mut *first, Some(&mut **s)),
            Some(s) => (&mut **s, Some(&mut *first)),
        };
        let moving = src.get(old).ok_or(ENOENT)?.clone();
        let target = match &dst {
            Some(d) => d.get(new).cloned(),
            None => src.get(new).cloned(),
        };
        let now = now_ns();
        if flags & rename::EXCHANGE != 0 {
            let target = target.ok_or(ENOENT)?;
            if Arc::ptr_eq(&moving, &target) {
                return Ok(());
            }
            src.insert(old.to_vec(), target.clone());
            dst.unwrap_or(src).insert(new.to_vec(), moving.clone());
            if !same && moving.is_dir() != target.is_dir() {
                let delta = if moving.is_dir() { 1 } else { -1 };
                to.add_links(delta);
                self.add_links(-delta);
            }
            moving.touch_ctime(now);
            target.touch_ctime(now);
            self.touch_dir(now);
            to.touch_dir(now);
            return Ok(());
        }
        if let Some(t) = &target {
            if flags & rename::NOREPLACE != 0 {
                return Err(EEXIST);
            }
            if Arc::ptr_eq(t, &moving) {
                // Two links to one inode: nothing happens.
                return Ok(());
            }
            match (moving.is_dir(), t.is_dir()) {
                (true, false) => return Err(ENOTDIR),
                (false, true) => return Err(EISDIR),
                (true, true) if !t.entries()?.lock().is_empty() => return Err(ENOTEMPTY),
                _ => {}
            }
        }
        src.remove(old);
        dst.unwrap_or(src).insert(new.to_vec(), moving.clone());
        if let Some(t) = &target {
            if t.is_dir() {
                t.add_links(-2);
                to.add_links(-1);
            } else {
                t.add_links(-1);
            }
            t.touch_ctime(now);
        }
        if moving.is_dir() && !same {
            self.add_links(-1);
            to.add_links(1);
        }
        moving.touch_ctime(now);
        self.touch_dir(now);
        to.touch_dir(now);
        Ok(())
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let out = self.entries()?.lock().iter().map(|(name, n)| DirEntry { name: name.clone(), ino: n.ino, dtype: super::inode::dtype_of(n.meta.lock().mode) }).collect();
        self.touch_atime();
        Ok(out)
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        match &self.body {
            Body::Symlink(t) => {
                self.touch_atime();
                Ok(t.clone())
            }
            _ => Err(EINVAL),
        }
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let d = match &self.body {
            Body::Regular(d) => d.lock(),
            Body::Dir(_) => return Err(EISDIR),
            _ => return Err(EINVAL),
        };
        if offset >= d.size || buf.is_empty() {
            return Ok(0);
        }
        let n = ((d.size - offset) as usize).min(buf.len());
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let in_page = (pos % PAGE) as usize;
            let take = (PAGE as usize - in_page).min(n - done);
            match d.pages.get(&(pos / PAGE)) {
                Some(p) => buf[done..done + take].copy_from_slice(&p[in_page..in_page + take]),
                None => buf[done..done + take].fill(0),
            }
            done += take;
        }
        drop(d);
        self.touch_atime();
        Ok(n)
    }

    fn write_at(&self, data: &[u8], offset: u64) -> Result<usize, Errno> {
        let Body::Regular(d) = &self.body else { return Err(EINVAL) };
        if data.is_empty() {
            return Ok(0);
        }
        offset.checked_add(data.len() as u64).filter(|&e| e <= MAX_FILE_SIZE).ok_or(EFBIG)?;
        let mut d = d.lock();
        let mut done = 0;
        while done < data.len() {
            let pos = offset + done as u64;
            let idx = pos / PAGE;
            let in_page = (pos % PAGE) as usize;
            let take = (PAGE as usize - in_page).min(data.len() - done);
            let p = match d.pages.entry(idx) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    if !self.take_page() {
                        break;
                    }
                    e.insert(vec![0u8; PAGE as usize].into_boxed_slice())
                }
            };
            p[in_page..in_page + take].copy_from_slice(&data[done..done + take]);
            done += take;
        }
        if done == 0 {
            return Err(ENOSPC);
        }
        d.size = d.size.max(offset + done as u64);
        drop(d);
        let now = now_ns();
        let mut m = self.meta.lock();
        m.mtime = now;
        m.ctime = now;
        Ok(done)
    }

    fn seek_data(&self, offset: u64, hole: bool) -> Result<u64, Errno> {
        let Body::Regular(d) = &self.body else { return Err(EINVAL) };
        let d = d.lock();
        if offset >= d.size {
            return Err(ENXIO);
        }
        let mut idx = offset / PAGE;
        if hole {
            while d.pages.contains_key(&idx) {
                idx += 1;
            }
            return Ok((idx * PAGE).max(offset).min(d.size));
        }
        match d.pages.range(idx..).next() {
            Some((&i, _)) if i * PAGE < d.size => Ok((i * PAGE).max(offset)),
            _ => Err(ENXIO),
        }
    }

    fn statfs(&self) -> Statfs {
        let used = self.fs.pages.load(Ordering::Relaxed);
        let free = self.fs.max_pages.saturating_sub(used);
        Statfs {
            kind: TMPFS_MAGIC,
            bsize: PAGE as i64,
            blocks: self.fs.max_pages,
            bfree: free,
            bavail: free,
            files: u64::from(u32::MAX),
            ffree: u64::from(u32::MAX),
            namelen: abi::fs::NAME_MAX as i64,
            frsize: PAGE as i64,
            ..Statfs::default()
        }
    }

    fn get_xattr(&self, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.meta.lock().xattrs.get(name).cloned().ok_or(abi::errno::ENODATA)
    }

    fn set_xattr(&self, name: &[u8], value: &[u8]) -> Result<(), Errno> {
        let mut m = self.meta.lock();
        m.xattrs.insert(name.to_vec(), value.to_vec());
        m.ctime = now_ns();
        Ok(())
    }

    fn list_xattr(&self) -> Result<Vec<Vec<u8>>, Errno> {
        let mut names: Vec<Vec<u8>> = self.meta.lock().xattrs.keys().cloned().collect();
        names.sort();
        Ok(names)
    }

    fn remove_xattr(&self, name: &[u8]) -> Result<(), Errno> {
        let mut m = self.meta.lock();
        m.xattrs.remove(name).ok_or(abi::errno::ENODATA)?;
        m.ctime = now_ns();
        Ok(())
    }

    fn open_special(&self, task: &mut Task, flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        match &self.body {
            Body::Fifo(p) => Some(super::fifo::open(task, p, flags)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_data_holes_and_sizes() {
        let fs = Tmpfs::new(1, 1 << 20);
        let f = fs.root().create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        assert_eq!(f.write_at(b"hello world", 0), Ok(11));
        assert_eq!(f.write_at(b"W", 6), Ok(1));
        assert_eq!(f.attr().size, 11);
        let mut buf = [0u8; 16];
        assert_eq!(f.read_at(&mut buf, 0), Ok(11));
        assert_eq!(&buf[..11], b"hello World");
        assert_eq!(f.write_at(b"x", 3 * PAGE), Ok(1));
        assert_eq!(f.attr().blocks, 2 * PAGE / 512);
        assert_eq!(f.seek_data(PAGE, false), Ok(3 * PAGE));
        assert_eq!(f.seek_data(0, true), Ok(PAGE));
        assert_eq!(f.seek_data(3 * PAGE, true), Ok(3 * PAGE + 1), "the end is a hole");
        assert_eq!(f.seek_data(3 * PAGE, false), Ok(3 * PAGE));
        assert_eq!(f.seek_data(3 * PAGE + 1, false), Err(ENXIO));
        f.setattr(&SetAttr { size: Some(5), ctime: 1, ..SetAttr::default() }).unwrap();
        assert_eq!(f.attr().blocks, PAGE / 512);
        f.setattr(&SetAttr { size: Some(20), ctime: 1, ..SetAttr::default() }).unwrap();
        assert_eq!(f.read_at(&mut buf, 0), Ok(16));
        assert_eq!(&buf[..6], b"hello\0");
    }

    #[test]
    fn the_size_limit_is_enospc() {
        let fs = Tmpfs::new(1, 2 * PAGE);
        let f = fs.root().create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        let big = vec![1u8; 3 * PAGE as usize];
        let budget = Budget::new(3 * PAGE);
        let (a, b) = (Tmpfs::with_inos(2, 1 << 20, Some(&budget), InoAllocator::new(), 0o755), Tmpfs::with_inos(3, 1 << 20, Some(&budget), InoAllocator::new(), 0o755));
        let fa = a.root().create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        let fb = b.root().create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        assert_eq!(fa.write_at(&big[..2 * PAGE as usize], 0), Ok(2 * PAGE as usize));
        assert_eq!(fb.write_at(&big, 0), Ok(PAGE as usize), "the overall budget is shared");
        assert_eq!(fb.write_at(b"x", PAGE), Err(ENOSPC));
        assert_eq!(f.write_at(&big, 0), Ok(2 * PAGE as usize));
        assert_eq!(f.write_at(b"x", 2 * PAGE), Err(ENOSPC));
        fs.root().unlink(b"f", false).unwrap();
        drop(f);
        let g = fs.root().create(b"g", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        assert_eq!(g.write_at(&big, 0), Ok(2 * PAGE as usize), "pages of a dropped file are free again");
    }

    #[test]
    fn link_counts_follow_directories_and_renames() {
        let fs = Tmpfs::new(1, 1 << 20);
        let root = fs.root();
        let a = root.create(b"a", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        let b = root.create(b"b", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        a.create(b"sub", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        assert_eq!((root.attr().nlink, a.attr().nlink, b.attr().nlink), (4, 3, 2));
        a.rename(b"sub", &b, b"sub", 0).unwrap();
        assert_eq!((a.attr().nlink, b.attr().nlink), (2, 3));
        let f = root.create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        root.link(b"g", &f).unwrap();
        assert_eq!(f.attr().nlink, 2);
        root.rename(b"f", &root, b"g", 0).unwrap();
        assert_eq!(f.attr().nlink, 2, "renaming onto another link of the same inode does nothing");
        assert_eq!(root.unlink(b"a", false), Err(EISDIR));
        assert_eq!(root.unlink(b"b", true), Err(ENOTEMPTY));
        root.rename(b"a", &root, b"b", rename::EXCHANGE).unwrap();
        assert_eq!(root.lookup(b"a").unwrap().attr().nlink, 3);
    }
}
