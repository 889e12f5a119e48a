//! tmpfs: a filesystem in memory.
//!
//! Regular files keep their data in 4 KiB pages, allocated when first
//! written, so files are sparse and `SEEK_DATA`/`SEEK_HOLE` find the pages
//! (Linux's tmpfs works at page granularity too). Directories, symbolic
//! links, named pipes (on the sandbox's pipes), socket files (which a Unix
//! socket bound to them finds by inode number) and device nodes exist with
//! their modes, owners, link counts (an `O_TMPFILE` file starts with
//! none) and the timestamps Linux keeps: birth,
//! change, modification, and access under the `relatime` rule. The pages
//! of one filesystem are limited; a write beyond the limit is `ENOSPC`.
//!
//! Mapped files: the first `mmap` (or `execve`) of a file moves its data
//! into a host memory file (memfd) of the sentry's, where it then stays
//! for the file's life; reads and writes go to that file, and the stub
//! maps it, so `MAP_SHARED` mappings, the descriptor and other processes
//! all see one copy of the data. Moving on first mapping rather than
//! keeping every file in a memfd keeps the sentry's descriptors to one per
//! mapped file instead of one per file. The host allocates a memfd's pages
//! as the app touches them through a mapping, unseen by the sentry, so a
//! mapped file counts against the limit for every page up to its size
//! (the most it can hold): growing it past the limit is `ENOSPC` even
//! where Linux would leave the file sparse, and mapping a file that the
//! limit cannot cover so is `ENOMEM`. `stat` reports the host's blocks.
//!
//! Seals (`F_ADD_SEALS`, see [`add_seals`]) are kept with the data and
//! enforced here on writes, size changes, mode changes and mappings, as
//! Linux's shmem does; a file made by `create` starts sealed with
//! `F_SEAL_SEAL`, as on Linux, so only `memfd_create` files can be sealed.
//!
//! Locking: a directory's entries, then (for link counts and times) the
//! metadata of the inodes in it; a rename locks its two directories in
//! address order. An inode's metadata comes before its file data; file
//! data is a leaf.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use abi::errno::{EBUSY, EEXIST, EFBIG, EINVAL, EIO, EISDIR, EMLINK, ENODEV, ENOENT, ENOMEM, ENOSPC, ENOTDIR, ENOTEMPTY, ENXIO, EPERM, EXDEV};
use abi::fs::{mode, rename, seal, Statfs};
use abi::Errno;
use parking_lot::Mutex;

use crate::vfs::inode::{new_memfd, now_ns, reopen_read_only, Attr, DirEntry, HostMapping, InoAllocator, Inode, InodeRef, MapWant, Nanos, NodeSpec, SetAttr};
use crate::mm::vma::Writers;
use crate::kernel::pipe::Pipe;
use crate::vfs::OpenFile;
use crate::vfs::Context;

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

    /// Takes `n` pages, if that many are left.
    fn take(&self, n: u64) -> bool {
        if self.used.fetch_add(n, Ordering::Relaxed).saturating_add(n) > self.max_pages {
            self.used.fetch_sub(n, Ordering::Relaxed);
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

struct Data {
    size: u64,
    /// The data, until the file is first mapped.
    pages: BTreeMap<u64, Box<[u8]>>,
    /// From the first mapping on: the host memory file holding the data
    /// (then `pages` is empty).
    memfd: Option<Memfd>,
    /// The file's seals (`F_SEAL_*`).
    seals: u32,
}

/// The host memory file of a mapped file.
struct Memfd {
    file: File,
    /// The memory object's identity for the mappings.
    id: u64,
    /// Counts the writable shared mappings (for `F_SEAL_WRITE`).
    writers: Arc<Writers>,
}

impl Data {
    /// The pages the data counts against the limits: those allocated,
    /// or, in a memory file, every page up to the size.
    fn charged(&self) -> u64 {
        if self.memfd.is_some() {
            self.size.div_ceil(PAGE)
        } else {
            self.pages.len() as u64
        }
    }
}

/// Whether `seals` forbid writing.
fn write_sealed(seals: u32) -> bool {
    seals & (seal::WRITE | seal::FUTURE_WRITE) != 0
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
            NodeSpec::Regular => Body::Regular(Mutex::new(Data { size: 0, pages: BTreeMap::new(), memfd: None, seals: seal::SEAL })),
            NodeSpec::Directory => Body::Dir(Mutex::new(BTreeMap::new())),
            NodeSpec::Symlink(t) => Body::Symlink(t),
            NodeSpec::Fifo => Body::Fifo(Pipe::new(ino, uid, gid, now)),
            NodeSpec::CharDevice(d) => {
                rdev = d;
                Body::Device
            }
            // A socket file holds nothing: the socket bound to it is found
            // by its inode number.
            NodeSpec::Socket => Body::Device,
        };
        let nlink = if matches!(spec, NodeSpec::Directory) { 2 } else { 1 };
        let meta = Meta { mode: spec.kind() | (perm & 0o7777), uid, gid, nlink, rdev, atime: now, mtime: now, ctime: now, btime: now, xattrs: HashMap::new() };
        Arc::new(Node { ino, fs: fs.clone(), meta: Mutex::new(meta), body })
    }

    /// A regular file's data (`EINVAL` for other files).
    fn data(&self) -> Result<&Mutex<Data>, Errno> {
        match &self.body {
            Body::Regular(d) => Ok(d),
            _ => Err(EINVAL),
        }
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

    /// Takes `n` pages from the filesystem and the overall budget, or
    /// none if there are not that many.
    fn take_pages(&self, n: u64) -> bool {
        if self.fs.pages.fetch_add(n, Ordering::Relaxed).saturating_add(n) > self.fs.max_pages {
            self.fs.pages.fetch_sub(n, Ordering::Relaxed);
            return false;
        }
        if self.fs.budget.as_ref().is_some_and(|b| !b.take(n)) {
            self.fs.pages.fetch_sub(n, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// The file's memory file, moving the data into one first if it has
    /// none yet (`ENOMEM` if the limits cannot cover its size, see the
    /// module's documentation).
    fn memfd<'a>(&self, d: &'a mut Data) -> Result<&'a Memfd, Errno> {
        if d.memfd.is_none() {
            let extra = d.size.div_ceil(PAGE).saturating_sub(d.pages.len() as u64);
            if !self.take_pages(extra) {
                return Err(ENOMEM);
            }
            let fill = || -> Result<File, Errno> {
                let file = new_memfd()?;
                file.set_len(d.size).map_err(|_| ENOMEM)?;
                for (&idx, page) in &d.pages {
                    let len = (d.size - idx * PAGE).min(PAGE) as usize;
                    file.write_all_at(&page[..len], idx * PAGE).map_err(|_| ENOMEM)?;
                }
                Ok(file)
            };
            match fill() {
                Ok(file) => {
                    d.pages.clear();
                    d.memfd = Some(Memfd { file, id: crate::mm::next_object_id(), writers: Arc::new(Writers) });
                }
                Err(e) => {
                    self.free_pages(extra);
                    return Err(e);
                }
            }
        }
        d.memfd.as_ref().ok_or(EIO)
    }
}

/// Makes a regular file with permission bits `perm` and owner `uid`/`gid`
/// in the tmpfs of directory `dir` that no directory names (link count
/// 0), as `memfd_create` does, with `seals`; `EINVAL` if `dir` is not a
/// tmpfs directory.
pub fn new_unlinked_file(dir: &InodeRef, perm: u32, uid: u32, gid: u32, seals: u32) -> Result<InodeRef, Errno> {
    let dir = dir.clone().into_any().downcast::<Node>().map_err(|_| EINVAL)?;
    let node = Node::new(&dir.fs, NodeSpec::Regular, perm, uid, gid, now_ns());
    node.meta.lock().nlink = 0;
    node.data()?.lock().seals = seals;
    Ok(node)
}

/// The tmpfs node behind `inode` and its file data (`EINVAL` for any
/// other file, as Linux answers seal requests on files that are not
/// shmem's).
fn regular(inode: &InodeRef) -> Result<Arc<Node>, Errno> {
    let node = inode.clone().into_any().downcast::<Node>().map_err(|_| EINVAL)?;
    node.data()?;
    Ok(node)
}

/// `F_GET_SEALS`: the seals of a regular tmpfs file.
pub fn get_seals(inode: &InodeRef) -> Result<u32, Errno> {
    let node = regular(inode)?;
    let seals = node.data()?.lock().seals;
    Ok(seals)
}

/// `F_ADD_SEALS` (the caller checked that the description is writable
/// and `seals` names only seals): `EINVAL` for a file that is not a
/// regular tmpfs file, `EPERM` once `F_SEAL_SEAL` is set, `EBUSY` for
/// `F_SEAL_WRITE` while a writable shared mapping exists. `F_SEAL_EXEC`
/// on an executable file also seals it against writes, shrinking and
/// growing, as Linux does.
pub fn add_seals(inode: &InodeRef, seals: u32) -> Result<(), Errno> {
    let node = regular(inode)?;
    // Metadata before data (the order `attr` takes them in).
    let executable = node.meta.lock().mode & 0o111 != 0;
    let mut d = node.data()?.lock();
    if d.seals & seal::SEAL != 0 {
        return Err(EPERM);
    }
    if seals & seal::WRITE != 0 && d.seals & seal::WRITE == 0 && d.memfd.as_ref().is_some_and(|m| Writers::mapped(&m.writers)) {
        return Err(EBUSY);
    }
    let mut seals = seals;
    if seals & seal::EXEC != 0 && executable {
        seals |= seal::SHRINK | seal::GROW | seal::WRITE | seal::FUTURE_WRITE;
    }
    d.seals |= seals;
    Ok(())
}

impl Drop for Node {
    fn drop(&mut self) {
        match &mut self.body {
            Body::Regular(d) => {
                let n = d.get_mut().charged();
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
    fn keeps_names(&self) -> bool {
        true
    }

    fn attr(&self) -> Attr {
        let m = self.meta.lock();
        let (size, blocks) = match &self.body {
            Body::Regular(d) => {
                let d = d.lock();
                let blocks = match &d.memfd {
                    Some(m) => m.file.metadata().map_or(0, |md| md.blocks()),
                    None => d.pages.len() as u64 * (PAGE / 512),
                };
                (d.size, blocks)
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
        if let (Some(p), Body::Regular(d)) = (set.mode, &self.body) {
            let changes_exec = (self.meta.lock().mode ^ p) & 0o111 != 0;
            if changes_exec && d.lock().seals & seal::EXEC != 0 {
                return Err(EPERM);
            }
        }
        if let Some(size) = set.size {
            let Body::Regular(d) = &self.body else { return Err(EINVAL) };
            if size > MAX_FILE_SIZE {
                return Err(EFBIG);
            }
            let mut d = d.lock();
            if (size < d.size && d.seals & seal::SHRINK != 0) || (size > d.size && d.seals & seal::GROW != 0) {
                return Err(EPERM);
            }
            let (was, now) = (d.charged(), size.div_ceil(PAGE));
            if let Some(m) = &d.memfd {
                if now > was && !self.take_pages(now - was) {
                    return Err(ENOSPC);
                }
                if m.file.set_len(size).is_err() {
                    self.free_pages(now.saturating_sub(was));
                    return Err(EIO);
                }
                self.free_pages(was.saturating_sub(now));
            } else {
                let dropped = d.pages.split_off(&now).len() as u64;
                self.free_pages(dropped);
                if size % PAGE != 0 {
                    if let Some(p) = d.pages.get_mut(&(size / PAGE)) {
                        p[(size % PAGE) as usize..].fill(0);
                    }
                }
            }
            d.size = size;
            drop(d);
            self.meta.lock().mtime = set.ctime;
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
        let out = self.entries()?.lock().iter().map(|(name, n)| DirEntry { name: name.clone(), ino: n.ino, dtype: crate::vfs::inode::dtype_of(n.meta.lock().mode) }).collect();
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
        if let Some(m) = &d.memfd {
            m.file.read_exact_at(&mut buf[..n], offset).map_err(|_| EIO)?;
            drop(d);
            self.touch_atime();
            return Ok(n);
        }
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
        let end = offset.checked_add(data.len() as u64).filter(|&e| e <= MAX_FILE_SIZE).ok_or(EFBIG)?;
        let mut d = d.lock();
        if write_sealed(d.seals) {
            return Err(EPERM);
        }
        let mut data = data;
        if end > d.size && d.seals & seal::GROW != 0 {
            // Linux writes page by page and stops at the first page that
            // would grow the file.
            let keep = abi::page_down(d.size).max(offset) - offset;
            if keep == 0 {
                return Err(EPERM);
            }
            data = &data[..keep as usize];
        }
        let done = if d.memfd.is_some() { self.write_memfd(&mut d, data, offset)? } else { self.write_pages(&mut d, data, offset) };
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
        if let Some(m) = &d.memfd {
            use nix::unistd::{lseek, Whence};
            let whence = if hole { Whence::SeekHole } else { Whence::SeekData };
            return lseek(&m.file, offset as libc::off_t, whence).map(|r| (r as u64).min(d.size)).map_err(|_| ENXIO);
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

    fn open_special(&self, ctx: &mut dyn Context, at: &crate::vfs::Location, flags: u32) -> Option<Result<Arc<OpenFile>, Errno>> {
        match &self.body {
            Body::Fifo(p) => Some(crate::kernel::pipe::fifo::open(ctx, p, at, flags)),
            _ => None,
        }
    }

    fn host_file(&self) -> Result<File, Errno> {
        Ok(self.map(MapWant { shared: false, write: false, may_write: false })?.file)
    }

    fn map(&self, want: MapWant) -> Result<HostMapping, Errno> {
        let Body::Regular(d) = &self.body else { return Err(ENODEV) };
        let mut d = d.lock();
        let sealed = write_sealed(d.seals);
        if want.shared && want.write && sealed {
            return Err(EPERM);
        }
        let m = self.memfd(&mut d)?;
        if want.shared && want.may_write && !sealed {
            let file = m.file.try_clone().map_err(|_| ENOMEM)?;
            return Ok(HostMapping { file, id: m.id, writers: Some(m.writers.clone()) });
        }
        Ok(HostMapping { file: reopen_read_only(&m.file)?, id: m.id, writers: None })
    }
}

impl Node {
    /// Writes into the pages as far as the limits allow; the bytes written.
    fn write_pages(&self, d: &mut Data, data: &[u8], offset: u64) -> usize {
        let mut done = 0;
        while done < data.len() {
            let pos = offset + done as u64;
            let idx = pos / PAGE;
            let in_page = (pos % PAGE) as usize;
            let take = (PAGE as usize - in_page).min(data.len() - done);
            let p = match d.pages.entry(idx) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    if !self.take_pages(1) {
                        break;
                    }
                    e.insert(vec![0u8; PAGE as usize].into_boxed_slice())
                }
            };
            p[in_page..in_page + take].copy_from_slice(&data[done..done + take]);
            done += take;
        }
        done
    }

    /// Writes into the memory file: all of `data`, or, when the limits
    /// cannot cover the pages it would grow the file by, what fits in the
    /// pages left.
    fn write_memfd(&self, d: &mut Data, data: &[u8], offset: u64) -> Result<usize, Errno> {
        let (was, end) = (d.charged(), offset + data.len() as u64);
        let grow = end.div_ceil(PAGE).saturating_sub(was);
        let mut taken = grow;
        if grow > 0 && !self.take_pages(grow) {
            // Page by page: this stops at the first page the limits lack.
            taken = 0;
            while taken < grow && self.take_pages(1) {
                taken += 1;
            }
        }
        let room = ((was + taken) * PAGE).saturating_sub(offset).min(data.len() as u64);
        let data = &data[..room as usize];
        // Only whole pages the data reaches stay counted.
        let keep = if room == 0 { 0 } else { (offset + room).div_ceil(PAGE).saturating_sub(was).min(taken) };
        self.free_pages(taken - keep);
        let Some(m) = &d.memfd else { return Err(EIO) };
        if !data.is_empty() && m.file.write_all_at(data, offset).is_err() {
            self.free_pages(keep);
            return Err(EIO);
        }
        Ok(data.len())
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
    fn a_mapped_file_moves_into_a_memory_file_and_counts_its_size() {
        let fs = Tmpfs::new(1, 4 * PAGE);
        let f = fs.root().create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        assert_eq!(f.write_at(b"abc", PAGE + 1), Ok(3));
        let used = |f: &InodeRef| f.statfs().blocks - f.statfs().bfree;
        assert_eq!(used(&f), 1, "a sparse file counts its pages");
        let rw = MapWant { shared: true, write: true, may_write: true };
        let m = f.map(rw).unwrap();
        assert_eq!(used(&f), 2, "a mapped file counts every page up to its size");
        assert!(m.writers.is_some());
        let mut buf = [0u8; 4];
        assert_eq!(m.file.read_at(&mut buf, PAGE).unwrap(), 4);
        assert_eq!(&buf, b"\0abc", "the memory file holds the data");
        m.file.write_all_at(b"X", 0).unwrap();
        assert_eq!(f.read_at(&mut buf[..1], 0), Ok(1));
        assert_eq!(buf[0], b'X', "reads see stores through the memory file");
        assert_eq!(f.write_at(b"0123", 2 * PAGE - 2), Ok(4));
        assert_eq!(used(&f), 3);
        assert_eq!(f.write_at(&[1u8; 2 * PAGE as usize], 3 * PAGE), Ok(PAGE as usize), "a write grows as far as the limit");
        assert_eq!(f.write_at(b"x", 4 * PAGE), Err(ENOSPC));
        assert_eq!(f.setattr(&SetAttr { size: Some(5 * PAGE), ctime: 1, ..SetAttr::default() }), Err(ENOSPC));
        f.setattr(&SetAttr { size: Some(1), ctime: 1, ..SetAttr::default() }).unwrap();
        assert_eq!((f.attr().size, used(&f)), (1, 1));
        let ro = f.map(MapWant { shared: true, write: false, may_write: false }).unwrap();
        assert!(ro.writers.is_none());
        assert!(ro.file.write_at(b"y", 0).is_err(), "a read-only mapping gets a read-only descriptor");
        assert_eq!(ro.id, m.id, "one memory object");
        fs.root().unlink(b"f", false).unwrap();
        drop((f, m, ro));
        assert_eq!(fs.root().statfs().bfree, 4, "a dropped file frees what it counted");
        let full = fs.root().create(b"big", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        full.setattr(&SetAttr { size: Some(5 * PAGE), ctime: 1, ..SetAttr::default() }).unwrap();
        assert_eq!(full.map(rw).err(), Some(ENOMEM), "a file the limit cannot cover cannot be mapped");
        assert_eq!(full.attr().size, 5 * PAGE);
    }

    #[test]
    fn seals_follow_linux() {
        let fs = Tmpfs::new(1, 1 << 20);
        let plain = fs.root().create(b"f", NodeSpec::Regular, 0o755, 0, 0).unwrap();
        assert_eq!(get_seals(&plain), Ok(seal::SEAL));
        assert_eq!(add_seals(&plain, seal::GROW), Err(EPERM));
        assert_eq!(get_seals(&fs.root()), Err(EINVAL), "a directory has no seals");
        let f = new_unlinked_file(&fs.root(), 0o777, 0, 0, 0).unwrap();
        assert_eq!(f.attr().nlink, 0);
        assert_eq!(f.write_at(b"hello", 0), Ok(5));
        add_seals(&f, seal::SHRINK | seal::GROW).unwrap();
        let size = |n| SetAttr { size: Some(n), ctime: 1, ..SetAttr::default() };
        assert_eq!(f.setattr(&size(2)), Err(EPERM));
        assert_eq!(f.setattr(&size(9)), Err(EPERM));
        assert_eq!(f.write_at(b"HELLO!", 0), Err(EPERM), "a write that would grow the file");
        assert_eq!(f.write_at(b"J", 0), Ok(1));
        let m = f.map(MapWant { shared: true, write: true, may_write: true }).unwrap();
        assert_eq!(add_seals(&f, seal::WRITE), Err(EBUSY), "a writable shared mapping exists");
        drop(m);
        add_seals(&f, seal::WRITE).unwrap();
        assert_eq!(f.write_at(b"x", 0), Err(EPERM));
        assert_eq!(f.map(MapWant { shared: true, write: true, may_write: true }).err(), Some(EPERM));
        assert!(f.map(MapWant { shared: true, write: false, may_write: true }).unwrap().writers.is_none(), "a shared mapping of a sealed file may never write");
        assert!(f.map(MapWant { shared: false, write: true, may_write: true }).is_ok(), "private mappings are fine");
        add_seals(&f, seal::EXEC | seal::SEAL).unwrap();
        assert_eq!(f.setattr(&SetAttr { mode: Some(0o666), ctime: 1, ..SetAttr::default() }), Err(EPERM));
        assert_eq!(get_seals(&f), Ok(seal::ALL), "F_SEAL_EXEC on an executable file seals writes too");
        assert_eq!(add_seals(&f, 0), Err(EPERM));
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
