//! inotify: instances that watch inodes and queue the events the file
//! calls make on them, as Linux's fsnotify reports them.
//!
//! A watch is on an inode, named by the sandbox's device and inode
//! numbers: those are stable for the inode's life (an overlay file keeps
//! its number when it is copied up, so its watches stay; hostfs numbers a
//! host file once) and never reused. The watch table ([`Notify`]) belongs
//! to the mount namespace, so every file of one sandbox reaches the same
//! table through its mount, and it counts its watches: with none, an event
//! costs one atomic load.
//!
//! The VFS reports, as Linux's generic code does:
//! - through the file and its directory (with the file's name): `IN_OPEN`
//!   (not for `O_PATH`), `IN_ACCESS` and `IN_MODIFY` for reads and writes
//!   that moved data, `IN_ACCESS` for each `getdents64`,
//!   `IN_CLOSE_WRITE`/`IN_CLOSE_NOWRITE` at the description's last close,
//!   `IN_ATTRIB`/`IN_MODIFY`/`IN_ACCESS` for attribute changes (see
//!   [`setattr_mask`]), `IN_ATTRIB` for extended attributes and
//!   `IN_MODIFY` for `fallocate`; these carry `IN_ISDIR` for a directory;
//! - to a directory: `IN_CREATE`, `IN_DELETE`, `IN_MOVED_FROM` and
//!   `IN_MOVED_TO` (paired by a cookie) with the entry's name;
//! - to the inode alone: `IN_ATTRIB` when a link is added or removed,
//!   `IN_MOVE_SELF`, and `IN_DELETE_SELF` (then `IN_IGNORED`, and the
//!   watch goes) when the last name is gone and the last user of its
//!   dentry lets go (an open file, a working directory), as Linux does
//!   when the dentry drops its inode.
//!
//! Files opened outside [`super::InodeFile`] (devices, named pipes) report
//! no open, read, write or close events; changes the host makes to its
//! own files are not seen; mounts are never unmounted, so there is no
//! `IN_UNMOUNT`.
//!
//! An instance's queue drops an event equal to the last one queued, and
//! past `MAX_QUEUED_EVENTS` queues one `IN_Q_OVERFLOW` (descriptor -1)
//! instead; a read takes the whole records that fit (`EINVAL` when the
//! first does not), each name NUL-padded to a multiple of 16 bytes.
//! Instances and watches count against their creator's effective user
//! (`MAX_USER_INSTANCES`, `MAX_USER_WATCHES`).
//!
//! Locking: the watch table, then one instance's queue; an instance's wait
//! queue is notified after both are released. No other lock is taken under
//! them, and events are reported with no VFS lock held but the rename
//! lock.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use abi::errno::{EAGAIN, EEXIST, EINTR, EINVAL, EMFILE, ENOSPC, ENOTTY};
use abi::fs::{o, Stat};
use abi::Errno;
use parking_lot::Mutex;

use super::inode::{Attr, SetAttr};
use super::mount::Location;
use super::poll::PollTable;
use super::{anon, FileOps, OpenFile};
use super::context::wait_until;
use super::Context;
use crate::waiter::{events, WaitQueue};

/// The `IN_*` bits of watch masks and events.
pub mod mask {
    /// A file was read.
    pub const ACCESS: u32 = 0x1;
    /// A file was written.
    pub const MODIFY: u32 = 0x2;
    /// Attributes changed.
    pub const ATTRIB: u32 = 0x4;
    /// A writable description was closed.
    pub const CLOSE_WRITE: u32 = 0x8;
    /// A read-only description was closed.
    pub const CLOSE_NOWRITE: u32 = 0x10;
    /// A file was opened.
    pub const OPEN: u32 = 0x20;
    /// An entry moved out of the directory.
    pub const MOVED_FROM: u32 = 0x40;
    /// An entry moved into the directory.
    pub const MOVED_TO: u32 = 0x80;
    /// An entry was made.
    pub const CREATE: u32 = 0x100;
    /// An entry was removed.
    pub const DELETE: u32 = 0x200;
    /// The watched inode was deleted.
    pub const DELETE_SELF: u32 = 0x400;
    /// The watched inode was moved.
    pub const MOVE_SELF: u32 = 0x800;
    /// Its filesystem was unmounted.
    pub const UNMOUNT: u32 = 0x2000;
    /// The queue overflowed.
    pub const Q_OVERFLOW: u32 = 0x4000;
    /// The watch was removed.
    pub const IGNORED: u32 = 0x8000;
    /// Only watch a directory.
    pub const ONLYDIR: u32 = 0x0100_0000;
    /// Do not follow a last symbolic link.
    pub const DONT_FOLLOW: u32 = 0x0200_0000;
    /// No events of children once they are unlinked.
    pub const EXCL_UNLINK: u32 = 0x0400_0000;
    /// Only make a new watch (`EEXIST` for an existing one).
    pub const MASK_CREATE: u32 = 0x1000_0000;
    /// Add to an existing watch's mask.
    pub const MASK_ADD: u32 = 0x2000_0000;
    /// The event's subject is a directory.
    pub const ISDIR: u32 = 0x4000_0000;
    /// Remove the watch after its first event.
    pub const ONESHOT: u32 = 0x8000_0000;
    /// Every event a watch can ask for.
    pub const ALL_EVENTS: u32 = 0xfff;
    /// Every bit `inotify_add_watch` accepts.
    pub const ALL_BITS: u32 = ALL_EVENTS | UNMOUNT | Q_OVERFLOW | IGNORED | ONLYDIR | DONT_FOLLOW | EXCL_UNLINK | MASK_CREATE | MASK_ADD | ISDIR | ONESHOT;
}

/// `/proc/sys/fs/inotify/max_user_instances`: instances per user.
pub const MAX_USER_INSTANCES: u32 = 128;
/// `/proc/sys/fs/inotify/max_user_watches`: watches per user.
pub const MAX_USER_WATCHES: u32 = 8192;
/// `/proc/sys/fs/inotify/max_queued_events`: events an instance queues.
pub const MAX_QUEUED_EVENTS: usize = 16384;

/// `IN_NONBLOCK` for `inotify_init1`.
pub const IN_NONBLOCK: u32 = o::NONBLOCK;
/// `IN_CLOEXEC` for `inotify_init1`.
pub const IN_CLOEXEC: u32 = o::CLOEXEC;

/// The size of `struct inotify_event` without its name.
const HEADER: usize = 16;

/// A watched inode: the sandbox's device and inode numbers.
type Key = (u64, u64);

fn key_of(a: &Attr) -> Key {
    (a.dev, a.ino)
}

/// One instance's watch on an inode.
struct Mark {
    group: Weak<Group>,
    wd: i32,
    /// The events asked for, with `IN_ONESHOT` and `IN_EXCL_UNLINK`.
    mask: u32,
}

#[derive(Default)]
struct Usage {
    instances: u32,
    watches: u32,
}

#[derive(Default)]
struct Table {
    marks: HashMap<Key, Vec<Mark>>,
    /// Instances and watches per effective user id.
    users: HashMap<u32, Usage>,
}

/// The watch table of a mount namespace, and its move cookies.
#[derive(Default)]
pub struct Notify {
    /// How many watches exist: with none, nothing is reported.
    watches: AtomicUsize,
    cookie: AtomicU32,
    table: Mutex<Table>,
}

/// What one report wakes: the instances that got an event.
type Woken = Vec<Arc<Group>>;

impl Notify {
    /// An empty table.
    pub fn new() -> Arc<Notify> {
        Arc::new(Notify::default())
    }

    fn active(&self) -> bool {
        self.watches.load(Ordering::Relaxed) != 0
    }

    /// A new cookie pairing an `IN_MOVED_FROM` with its `IN_MOVED_TO`
    /// (never 0).
    fn cookie(&self) -> u32 {
        loop {
            let c = self.cookie.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            if c != 0 {
                return c;
            }
        }
    }

    /// Queues `ev` for the marks on `key` that ask for it. `unlinked`:
    /// the file of a path event has lost its name (`IN_EXCL_UNLINK`).
    fn deliver(&self, t: &mut Table, woken: &mut Woken, key: Key, ev: &Event, unlinked: bool) {
        let Some(marks) = t.marks.get_mut(&key) else { return };
        let mut oneshots = Vec::new();
        for m in marks.iter() {
            if m.mask & ev.mask & mask::ALL_EVENTS == 0 || (unlinked && m.mask & mask::EXCL_UNLINK != 0) {
                continue;
            }
            let Some(g) = m.group.upgrade() else { continue };
            g.push(Event { wd: m.wd, ..ev.clone() });
            if m.mask & mask::ONESHOT != 0 {
                oneshots.push((m.wd, m.group.clone()));
            }
            woken.push(g);
        }
        for (wd, group) in oneshots {
            self.remove_mark(t, woken, key, |m| m.wd == wd && m.group.ptr_eq(&group));
        }
    }

    /// Removes the marks on `key` that `which` picks, each with an
    /// `IN_IGNORED` for its instance.
    fn remove_mark(&self, t: &mut Table, woken: &mut Woken, key: Key, which: impl Fn(&Mark) -> bool) {
        let Some(marks) = t.marks.get_mut(&key) else { return };
        let (gone, kept): (Vec<Mark>, Vec<Mark>) = std::mem::take(marks).into_iter().partition(&which);
        *marks = kept;
        if marks.is_empty() {
            t.marks.remove(&key);
        }
        for m in gone {
            self.watches.fetch_sub(1, Ordering::Relaxed);
            if let Some(g) = m.group.upgrade() {
                if let Some(u) = t.users.get_mut(&g.uid) {
                    u.watches = u.watches.saturating_sub(1);
                }
                g.forget(m.wd);
                g.push(Event { wd: m.wd, mask: mask::IGNORED, cookie: 0, name: Vec::new() });
                woken.push(g);
            }
        }
    }

    /// Runs `f` on the table and wakes the instances it queued events for.
    fn with_table<R>(&self, f: impl FnOnce(&Self, &mut Table, &mut Woken) -> R) -> R {
        let mut woken = Vec::new();
        let r = {
            let mut t = self.table.lock();
            f(self, &mut t, &mut woken)
        };
        woken.dedup_by(|a, b| Arc::ptr_eq(a, b));
        for g in woken {
            g.queue.notify(events::IN | events::RDNORM);
        }
        r
    }
}

/// One queued event.
#[derive(Clone, PartialEq, Eq)]
struct Event {
    wd: i32,
    mask: u32,
    cookie: u32,
    name: Vec<u8>,
}

impl Event {
    /// Its record's size: the header and the name, NUL-padded to a
    /// multiple of the header's size.
    fn len(&self) -> usize {
        HEADER + self.name_len()
    }

    fn name_len(&self) -> usize {
        if self.name.is_empty() {
            0
        } else {
            (self.name.len() + 1).next_multiple_of(HEADER)
        }
    }
}

struct Queue {
    events: VecDeque<Event>,
    bytes: usize,
    /// Whether the overflow event is queued.
    overflowed: bool,
    /// The last watch descriptor given (they are handed out cyclically).
    last_wd: i32,
    /// Each watch's inode, and each watched inode's descriptor.
    wds: HashMap<i32, Key>,
    keys: HashMap<Key, i32>,
}

/// An instance: its queue and watches.
struct Group {
    notify: Arc<Notify>,
    /// The effective user the instance and its watches count against.
    uid: u32,
    state: Mutex<Queue>,
    queue: WaitQueue,
}

impl Group {
    /// Queues `ev` unless it repeats the last event, or the overflow
    /// event instead when the queue is full.
    fn push(&self, ev: Event) {
        let mut q = self.state.lock();
        if q.events.len() >= MAX_QUEUED_EVENTS {
            if !q.overflowed {
                q.overflowed = true;
                let ov = Event { wd: -1, mask: mask::Q_OVERFLOW, cookie: 0, name: Vec::new() };
                q.bytes += ov.len();
                q.events.push_back(ov);
            }
            return;
        }
        if ev.mask != mask::IGNORED && q.events.back() == Some(&ev) {
            return;
        }
        q.bytes += ev.len();
        q.events.push_back(ev);
    }

    fn forget(&self, wd: i32) {
        let mut q = self.state.lock();
        if let Some(k) = q.wds.remove(&wd) {
            q.keys.remove(&k);
        }
    }

    /// Moves the events that fit into `buf`: `EINVAL` if the first does
    /// not, `None` if there are none.
    fn take(&self, buf: &mut [u8]) -> Option<Result<usize, Errno>> {
        let mut guard = self.state.lock();
        let q = &mut *guard;
        let first = q.events.front()?;
        if first.len() > buf.len() {
            return Some(Err(EINVAL));
        }
        let mut n = 0;
        while let Some(e) = q.events.front() {
            let len = e.len();
            if n + len > buf.len() {
                break;
            }
            let out = &mut buf[n..n + len];
            out[0..4].copy_from_slice(&e.wd.to_ne_bytes());
            out[4..8].copy_from_slice(&e.mask.to_ne_bytes());
            out[8..12].copy_from_slice(&e.cookie.to_ne_bytes());
            out[12..16].copy_from_slice(&(e.name_len() as u32).to_ne_bytes());
            out[16..16 + e.name.len()].copy_from_slice(&e.name);
            out[16 + e.name.len()..].fill(0);
            n += len;
            let overflow = e.mask == mask::Q_OVERFLOW;
            q.bytes -= len;
            q.overflowed &= !overflow;
            q.events.pop_front();
        }
        Some(Ok(n))
    }
}

/// The file of an inotify instance.
pub struct Inotify {
    group: Arc<Group>,
    /// The description, for its `O_NONBLOCK`.
    file: Weak<OpenFile>,
    boot_ns: i64,
}

impl Inotify {
    /// A new instance on `notify` for the caller's effective user; see
    /// [`Inotify::new_file`].
    pub fn create(ctx: &dyn Context, notify: &Arc<Notify>, flags: u32) -> Result<Arc<OpenFile>, Errno> {
        Inotify::new_file(notify, ctx.credentials().euid, flags, ctx.boot_time_ns())
    }

    /// A new instance on `notify` for user `uid` (`inotify_init1`; the
    /// caller checked `flags` and applies `IN_CLOEXEC`): `EMFILE` past the
    /// user's `MAX_USER_INSTANCES`. `boot_ns`: see [`Context::boot_time_ns`](super::Context::boot_time_ns).
    pub fn new_file(notify: &Arc<Notify>, uid: u32, flags: u32, boot_ns: i64) -> Result<Arc<OpenFile>, Errno> {
        {
            let mut t = notify.table.lock();
            let u = t.users.entry(uid).or_default();
            if u.instances >= MAX_USER_INSTANCES {
                return Err(EMFILE);
            }
            u.instances += 1;
        }
        let state = Queue { events: VecDeque::new(), bytes: 0, overflowed: false, last_wd: 0, wds: HashMap::new(), keys: HashMap::new() };
        let group = Arc::new(Group { notify: notify.clone(), uid, state: Mutex::new(state), queue: WaitQueue::new() });
        Ok(OpenFile::new_cyclic(o::RDONLY | (flags & IN_NONBLOCK), |me| Box::new(Inotify { group, file: me.clone(), boot_ns })))
    }

    /// Watches the file at `loc` for the events of `m` (already checked
    /// by the caller: see `inotify_add_watch`), or changes the watch this
    /// instance has on it; the watch descriptor.
    pub fn add_watch(&self, loc: &Location, m: u32) -> Result<i32, Errno> {
        let g = &self.group;
        let notify = &g.notify;
        if !Arc::ptr_eq(notify, loc.mnt.notify()) {
            // A file of another namespace: none exists in one sandbox.
            return Err(EINVAL);
        }
        let key = key_of(&loc.dentry.attr());
        let kept = m & (mask::ALL_EVENTS | mask::ONESHOT | mask::EXCL_UNLINK);
        let mut t = notify.table.lock();
        let existing = g.state.lock().keys.get(&key).copied();
        if let Some(wd) = existing {
            if m & mask::MASK_CREATE != 0 {
                return Err(EEXIST);
            }
            if let Some(mark) = t.marks.get_mut(&key).and_then(|ms| ms.iter_mut().find(|x| x.wd == wd && x.group.ptr_eq(&Arc::downgrade(g)))) {
                mark.mask = if m & mask::MASK_ADD != 0 { mark.mask | kept } else { kept };
            }
            return Ok(wd);
        }
        let u = t.users.entry(g.uid).or_default();
        if u.watches >= MAX_USER_WATCHES {
            return Err(ENOSPC);
        }
        u.watches += 1;
        let wd = {
            let mut q = g.state.lock();
            let mut wd = q.last_wd;
            loop {
                wd = if wd == i32::MAX { 1 } else { wd + 1 };
                if !q.wds.contains_key(&wd) {
                    break;
                }
            }
            q.last_wd = wd;
            q.wds.insert(wd, key);
            q.keys.insert(key, wd);
            wd
        };
        t.marks.entry(key).or_default().push(Mark { group: Arc::downgrade(g), wd, mask: kept });
        notify.watches.fetch_add(1, Ordering::Relaxed);
        Ok(wd)
    }

    /// Removes watch `wd` (`EINVAL` if there is none), queueing its
    /// `IN_IGNORED`.
    pub fn rm_watch(&self, wd: i32) -> Result<(), Errno> {
        let g = &self.group;
        g.notify.with_table(|n, t, woken| {
            let key = *g.state.lock().wds.get(&wd).ok_or(EINVAL)?;
            let me = Arc::downgrade(g);
            n.remove_mark(t, woken, key, |m| m.wd == wd && m.group.ptr_eq(&me));
            Ok(())
        })
    }

    fn nonblocking(&self) -> bool {
        self.file.upgrade().is_some_and(|f| f.flags() & o::NONBLOCK != 0)
    }
}

impl Drop for Inotify {
    /// The last close removes the instance's watches.
    fn drop(&mut self) {
        let g = &self.group;
        let mut t = g.notify.table.lock();
        let wds: Vec<(i32, Key)> = {
            let mut q = g.state.lock();
            q.keys.clear();
            q.wds.drain().collect()
        };
        let me = Arc::downgrade(g);
        for &(wd, key) in &wds {
            if let Some(ms) = t.marks.get_mut(&key) {
                let before = ms.len();
                ms.retain(|m| !(m.wd == wd && m.group.ptr_eq(&me)));
                g.notify.watches.fetch_sub(before - ms.len(), Ordering::Relaxed);
                if ms.is_empty() {
                    t.marks.remove(&key);
                }
            }
        }
        if let Some(u) = t.users.get_mut(&g.uid) {
            u.instances = u.instances.saturating_sub(1);
            u.watches = u.watches.saturating_sub(wds.len() as u32);
        }
    }
}

impl FileOps for Inotify {
    fn read(&self, ctx: &mut dyn Context, buf: &mut [u8], _offset: Option<u64>) -> Result<usize, Errno> {
        if let Some(r) = self.group.take(buf) {
            return r;
        }
        if self.nonblocking() {
            return Err(EAGAIN);
        }
        let mut got = None;
        wait_until(ctx, &self.group.queue, events::IN, None, || {
            got = self.group.take(buf);
            got.is_some()
        })?;
        got.unwrap_or(Err(EINTR))
    }

    /// `noop_llseek`: the position stays 0.
    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Ok(0)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(anon::stat(self.boot_ns))
    }

    fn ioctl(&self, ctx: &mut dyn Context, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            abi::fs::ioctl::FIONREAD => {
                let n = i32::try_from(self.group.state.lock().bytes).unwrap_or(i32::MAX);
                ctx.copy_out(arg, &n.to_ne_bytes()).map(|_| 0)
            }
            _ => Err(ENOTTY),
        }
    }

    fn pollable(&self) -> bool {
        true
    }

    fn readiness(&self) -> u32 {
        if self.group.state.lock().events.is_empty() {
            0
        } else {
            events::IN | events::RDNORM
        }
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        table.add_queue(&self.group.queue, mask | events::ERR | events::HUP);
    }

    fn anon_name(&self) -> &'static str {
        "inotify"
    }
}

/// The events an attribute change reports, as Linux's `fsnotify_change`:
/// `IN_ATTRIB` for the owner, the mode or both times, `IN_MODIFY` for the
/// size or the modification time alone, `IN_ACCESS` for the access time
/// alone.
pub fn setattr_mask(s: &SetAttr) -> u32 {
    let mut m = 0;
    if s.uid.is_some() || s.gid.is_some() || s.mode.is_some() {
        m |= mask::ATTRIB;
    }
    if s.size.is_some() {
        m |= mask::MODIFY;
    }
    m |= match (s.atime.is_some(), s.mtime.is_some()) {
        (true, true) => mask::ATTRIB,
        (true, false) => mask::ACCESS,
        (false, true) => mask::MODIFY,
        (false, false) => 0,
    };
    m
}

/// Reports `m` (one event, or none when 0) on the file at `loc`: to its
/// own watches and to its directory's, with its name.
pub fn file_event(loc: &Location, m: u32) {
    let n = loc.mnt.notify();
    if m == 0 || !n.active() {
        return;
    }
    let a = loc.dentry.attr();
    let m = if a.is_dir() { m | mask::ISDIR } else { m };
    let unlinked = loc.dentry.is_deleted();
    let parent = loc.dentry.parent().map(|p| (key_of(&p.attr()), loc.dentry.name()));
    n.with_table(|n, t, woken| {
        if let Some((pk, name)) = parent {
            n.deliver(t, woken, pk, &Event { wd: 0, mask: m, cookie: 0, name }, unlinked);
        }
        n.deliver(t, woken, key_of(&a), &Event { wd: 0, mask: m, cookie: 0, name: Vec::new() }, unlinked);
    });
}

/// Reports `m` about the entry `name` (a directory when `is_dir`) to the
/// watches of the directory at `dir`.
pub fn entry_event(dir: &Location, m: u32, name: &[u8], is_dir: bool, cookie: u32) {
    let n = dir.mnt.notify();
    if !n.active() {
        return;
    }
    let m = if is_dir { m | mask::ISDIR } else { m };
    let key = key_of(&dir.dentry.attr());
    n.with_table(|n, t, woken| n.deliver(t, woken, key, &Event { wd: 0, mask: m, cookie, name: name.to_vec() }, false));
}

/// Reports `m` to the watches of the file at `loc` alone (a link count
/// change, `IN_MOVE_SELF`).
pub fn inode_event(loc: &Location, m: u32) {
    let n = loc.mnt.notify();
    if !n.active() {
        return;
    }
    let key = key_of(&loc.dentry.attr());
    n.with_table(|n, t, woken| n.deliver(t, woken, key, &Event { wd: 0, mask: m, cookie: 0, name: Vec::new() }, false));
}

/// Whether removing a name of the file at `victim` removes its last one,
/// asked before the removal (an overlay's lower file keeps its link count
/// when a whiteout hides it): false when nobody watches anything.
pub fn is_last_name(victim: &Location) -> bool {
    victim.mnt.notify().active() && {
        let a = victim.dentry.attr();
        a.is_dir() || a.nlink <= 1
    }
}

/// Reports the removal of the entry `name` of `dir` that named `victim`
/// (`unlink`, `rmdir`): a file's link count change, then the end of its
/// last name when `last_name` (see [`last_name_removed`]; it comes now if
/// nothing else uses the dentry), then `IN_DELETE`.
pub fn removed(dir: &Location, name: &[u8], victim: Location, last_name: bool) {
    if !dir.mnt.notify().active() {
        return;
    }
    let is_dir = victim.dentry.attr().is_dir();
    if !is_dir {
        inode_event(&victim, mask::ATTRIB);
    }
    if last_name {
        last_name_removed(&victim);
    }
    drop(victim);
    entry_event(dir, mask::DELETE, name, is_dir, 0);
}

/// Reports a rename of `from_name` in `from` to `to_name` in `to` of the
/// file `src`, which replaced `dst` (with whether that was its file's last
/// name) or, for an exchange, swapped with it, as Linux's `fsnotify_move`: `IN_MOVED_FROM` and `IN_MOVED_TO`
/// with one cookie, the replaced file's link count change, and
/// `IN_MOVE_SELF`; an exchange reports the other file's move the same
/// way.
pub fn renamed(from: &Location, from_name: &[u8], to: &Location, to_name: &[u8], src: &Location, dst: Option<(Location, bool)>, exchange: bool) {
    let n = from.mnt.notify();
    if !n.active() {
        return;
    }
    let one_move = |from: &Location, from_name: &[u8], to: &Location, to_name: &[u8], moved: &Location, replaced: Option<&Location>| {
        let is_dir = moved.dentry.attr().is_dir();
        let cookie = n.cookie();
        entry_event(from, mask::MOVED_FROM, from_name, is_dir, cookie);
        entry_event(to, mask::MOVED_TO, to_name, is_dir, cookie);
        if let Some(r) = replaced {
            inode_event(r, mask::ATTRIB);
        }
        inode_event(moved, mask::MOVE_SELF);
    };
    match dst {
        Some((d, _)) if exchange => {
            one_move(from, from_name, to, to_name, src, None);
            one_move(to, to_name, from, from_name, &d, None);
        }
        Some((d, last_name)) => {
            one_move(from, from_name, to, to_name, src, Some(&d));
            if last_name {
                last_name_removed(&d);
            }
        }
        None => one_move(from, from_name, to, to_name, src, None),
    }
}

/// Notes that the file at `victim` lost its last name: once nothing uses
/// its dentry any more, its watches get `IN_DELETE_SELF` and
/// `IN_IGNORED`, and go.
pub fn last_name_removed(victim: &Location) {
    let n = victim.mnt.notify();
    if !n.active() {
        return;
    }
    let key = key_of(&victim.dentry.attr());
    let n = n.clone();
    victim.dentry.on_release(Box::new(move || {
        n.with_table(|n, t, woken| {
            n.deliver(t, woken, key, &Event { wd: 0, mask: mask::DELETE_SELF, cookie: 0, name: Vec::new() }, false);
            n.remove_mark(t, woken, key, |_| true);
        });
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;
    use crate::vfs::inode::NodeSpec;
    use crate::vfs::mount::MountNamespace;
    use crate::vfs::ops;
    use crate::vfs::path::Resolver;
    use crate::fsimpl::tmpfs::Tmpfs;

    fn ns() -> MountNamespace {
        MountNamespace::new(Tmpfs::new(1, 1 << 24).root(), "tmpfs", false)
    }

    fn instance(ns: &MountNamespace) -> Arc<OpenFile> {
        Inotify::new_file(ns.notify(), 0, IN_NONBLOCK, 0).unwrap()
    }

    /// The queued events as (wd, mask, name).
    fn events(f: &OpenFile) -> Vec<(i32, u32, String)> {
        let g = &f.downcast::<Inotify>().unwrap().group;
        let mut buf = vec![0u8; 1 << 20];
        let Some(n) = g.take(&mut buf) else { return Vec::new() };
        let n = n.unwrap();
        let mut out = Vec::new();
        let mut at = 0;
        while at < n {
            let word = |i: usize| u32::from_ne_bytes(buf[at + i..at + i + 4].try_into().unwrap());
            let len = word(12) as usize;
            let name = String::from_utf8_lossy(&buf[at + 16..at + 16 + len]).trim_end_matches('\0').to_string();
            out.push((word(0) as i32, word(4), name));
            at += 16 + len;
        }
        out
    }

    #[test]
    fn records_are_padded_to_the_header_size() {
        let e = |name: &[u8]| Event { wd: 1, mask: mask::OPEN, cookie: 0, name: name.to_vec() };
        assert_eq!(e(b"").len(), 16);
        assert_eq!(e(b"a").len(), 32);
        assert_eq!(e(b"0123456789abcde").len(), 32);
        assert_eq!(e(b"0123456789abcdef").len(), 48);
    }

    #[test]
    fn setattr_masks_follow_fsnotify_change() {
        let s = |f: fn(&mut SetAttr)| {
            let mut a = SetAttr::default();
            f(&mut a);
            setattr_mask(&a)
        };
        assert_eq!(s(|a| a.mode = Some(0o600)), mask::ATTRIB);
        assert_eq!(s(|a| (a.size, a.mtime) = (Some(0), Some(1))), mask::MODIFY);
        assert_eq!(s(|a| (a.atime, a.mtime) = (Some(1), Some(1))), mask::ATTRIB);
        assert_eq!(s(|a| a.atime = Some(1)), mask::ACCESS);
        assert_eq!(s(|_| {}), 0);
    }

    #[test]
    fn cookies_are_never_zero() {
        let n = Notify::default();
        n.cookie.store(u32::MAX - 1, Ordering::Relaxed);
        assert_eq!(n.cookie(), u32::MAX);
        assert_eq!(n.cookie(), 1);
    }

    #[test]
    fn instances_per_user_are_limited() {
        let ns = ns();
        let mut all: Vec<_> = (0..MAX_USER_INSTANCES).map(|_| instance(&ns)).collect();
        assert_eq!(Inotify::new_file(ns.notify(), 0, 0, 0).err(), Some(EMFILE));
        assert!(Inotify::new_file(ns.notify(), 1000, 0, 0).is_ok(), "another user has their own count");
        all.pop();
        assert!(Inotify::new_file(ns.notify(), 0, 0, 0).is_ok(), "a closed instance no longer counts");
    }

    #[test]
    fn watches_per_user_are_limited_and_descriptors_cycle() {
        let ns = ns();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        let f = instance(&ns);
        let i = f.downcast::<Inotify>().unwrap();
        let mut locs = Vec::new();
        for n in 0..=MAX_USER_WATCHES {
            locs.push(ops::make(&mut r, &root, format!("f{n}").as_bytes(), NodeSpec::Regular, 0o644).unwrap());
        }
        for (n, loc) in locs.iter().take(MAX_USER_WATCHES as usize).enumerate() {
            assert_eq!(i.add_watch(loc, mask::OPEN), Ok(n as i32 + 1));
        }
        assert_eq!(i.add_watch(&locs[MAX_USER_WATCHES as usize], mask::OPEN), Err(ENOSPC));
        assert_eq!(i.add_watch(&locs[0], mask::OPEN), Ok(1), "an existing watch is no new one");
        assert_eq!(i.rm_watch(1), Ok(()));
        let last = MAX_USER_WATCHES as i32 + 1;
        assert_eq!(i.add_watch(&locs[MAX_USER_WATCHES as usize], mask::OPEN), Ok(last), "descriptors are not reused at once");
        drop(f);
        assert_eq!(ns.notify().watches.load(Ordering::Relaxed), 0, "closing the instance removes its watches");
        assert!(ns.notify().table.lock().marks.is_empty());
    }

    #[test]
    fn a_oneshot_watch_goes_alone() {
        let ns = ns();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        let loc = ops::make(&mut r, &root, b"f", NodeSpec::Regular, 0o644).unwrap();
        let (a, b) = (instance(&ns), instance(&ns));
        assert_eq!(a.downcast::<Inotify>().unwrap().add_watch(&loc, mask::OPEN | mask::ONESHOT), Ok(1));
        assert_eq!(b.downcast::<Inotify>().unwrap().add_watch(&loc, mask::OPEN), Ok(1));
        file_event(&loc, mask::OPEN);
        file_event(&loc, mask::OPEN);
        assert_eq!(events(&a), [(1, mask::OPEN, String::new()), (1, mask::IGNORED, String::new())]);
        assert_eq!(events(&b), [(1, mask::OPEN, String::new())], "the other instance's watch stays (its second event coalesced)");
        file_event(&loc, mask::ACCESS);
        file_event(&loc, mask::OPEN);
        assert_eq!(events(&b), [(1, mask::OPEN, String::new())]);
    }

    #[test]
    fn the_queue_coalesces_and_overflows() {
        let ns = ns();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        let loc = ops::make(&mut r, &root, b"f", NodeSpec::Regular, 0o644).unwrap();
        let f = instance(&ns);
        let i = f.downcast::<Inotify>().unwrap();
        assert_eq!(i.add_watch(&loc, mask::ACCESS | mask::MODIFY), Ok(1));
        file_event(&loc, mask::ACCESS);
        file_event(&loc, mask::ACCESS);
        file_event(&loc, mask::OPEN);
        file_event(&loc, mask::MODIFY);
        file_event(&loc, mask::ACCESS);
        assert_eq!(events(&f), [(1, mask::ACCESS, String::new()), (1, mask::MODIFY, String::new()), (1, mask::ACCESS, String::new())]);
        for n in 0..MAX_QUEUED_EVENTS + 10 {
            file_event(&loc, if n % 2 == 0 { mask::ACCESS } else { mask::MODIFY });
        }
        let got = events(&f);
        assert_eq!(got.len(), MAX_QUEUED_EVENTS + 1);
        assert_eq!(got.last(), Some(&(-1, mask::Q_OVERFLOW, String::new())));
        assert_eq!(got.iter().filter(|e| e.1 == mask::Q_OVERFLOW).count(), 1);
    }

    #[test]
    fn delete_self_waits_for_the_last_user_of_the_dentry() {
        let ns = ns();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        let d = ops::make(&mut r, &root, b"d", NodeSpec::Directory, 0o755).unwrap();
        let open = ops::make(&mut r, &root, b"d/f", NodeSpec::Regular, 0o644).unwrap();
        let f = instance(&ns);
        let i = f.downcast::<Inotify>().unwrap();
        assert_eq!(i.add_watch(&d, mask::ALL_EVENTS), Ok(1));
        assert_eq!(i.add_watch(&open, mask::ALL_EVENTS), Ok(2));
        ops::unlink(&mut r, &root, b"d/f").unwrap();
        assert_eq!(events(&f), [(2, mask::ATTRIB, String::new()), (1, mask::DELETE, "f".to_string())]);
        drop(open);
        assert_eq!(events(&f), [(2, mask::DELETE_SELF, String::new()), (2, mask::IGNORED, String::new())]);
        assert_eq!(i.rm_watch(2), Err(EINVAL));
        ops::rmdir(&mut r, &root, b"d").unwrap();
        assert_eq!(events(&f), [], "the directory is still in use");
        drop(d);
        assert_eq!(events(&f), [(1, mask::DELETE_SELF, String::new()), (1, mask::IGNORED, String::new())]);
    }
}
