//! epoll: a set of interests in files, and the list of those that may be
//! ready.
//!
//! This follows Linux's design. Each interest (a file and the descriptor
//! number it was added under) registers a callback on the file's wait
//! queue; the callback puts the interest on the ready list when an event
//! it asks for is notified, and wakes the epoll's own queue (where
//! `epoll_wait` sleepers and pollers of the epoll file wait). `epoll_wait`
//! takes interests off the ready list, asks each file for its readiness
//! now, and reports those with events: a level-triggered interest goes
//! back on the list (so it is reported until not ready), an
//! edge-triggered one does not (so it is reported again only after a new
//! notification: every write to a pipe or eventfd is one), a one-shot
//! interest is disabled until `EPOLL_CTL_MOD` re-arms it. An epoll is
//! itself pollable: readable while an interest on its list is ready.
//!
//! Interests do not keep their files open: one whose file is gone is
//! dropped when next seen, as Linux drops it when the file is released.
//!
//! Host-backed files (stdio) notify no queue. Their interests are polled
//! in the host at each scan, and a sleeper waits for their host
//! descriptors alongside its waiter. Level-triggered mode is exact; in
//! edge-triggered mode an edge is a readiness bit turning on, so new data
//! on a host descriptor that was already readable makes no new edge.
//! Interests in epolls are polled the same way (besides their callback),
//! so that the host files an inner epoll watches reach the outer one.
//!
//! Epolls may watch epolls, but never in a loop, and at most five in a
//! chain however it is built (Linux 6.x's checks, down from the epoll
//! added and up from the one it is added to): so every recursion through
//! nested epolls is shallow.
//!
//! `EPOLLEXCLUSIVE` is accepted where Linux accepts it, and wakes every
//! epoll watching the file (Linux wakes one or more).
//!
//! Locks, outermost first: `Epoll::ctl` (serialises `epoll_ctl`), then
//! `Shared::scan` (serialises the consumers of the ready list), then
//! `Shared::state` (the interests and the list; callbacks take it alone).
//! An epoll scans the epolls it watches with its own `scan` held; the
//! loop check keeps that order acyclic. Files are never dropped, and
//! readiness is never asked, with a `state` lock held. `Shared::parents`
//! is taken alone, or before the `state` of a parent.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Weak};

use abi::errno::{EEXIST, EINVAL, ELOOP, ENOENT};
use abi::fs::{o, Stat};
use abi::Errno;
use parking_lot::Mutex;

use super::poll::PollTable;
use super::{anon, FileOps, OpenFile};
use crate::waiter::{events, WaitQueue};

/// `epoll_event.events` flags beyond the poll bits.
pub mod flags {
    /// Wake only one of the epolls watching the file (`ADD` only).
    pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
    /// Keep the system awake while the event is pending (ignored).
    pub const EPOLLWAKEUP: u32 = 1 << 29;
    /// Report once, then disable until `EPOLL_CTL_MOD`.
    pub const EPOLLONESHOT: u32 = 1 << 30;
    /// Edge-triggered.
    pub const EPOLLET: u32 = 1 << 31;
}
use flags::*;

/// `epoll_ctl` operations.
pub mod op {
    /// Add an interest.
    pub const ADD: i32 = 1;
    /// Remove an interest.
    pub const DEL: i32 = 2;
    /// Change an interest.
    pub const MOD: i32 = 3;
}

/// `EPOLL_CLOEXEC`.
pub const EPOLL_CLOEXEC: u32 = o::CLOEXEC;

/// The flags that are not events (`EP_PRIVATE_BITS`): an interest with
/// nothing else is disabled.
const EP_PRIVATE_BITS: u32 = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
/// What may come with `EPOLLEXCLUSIVE` (`EPOLLEXCLUSIVE_OK_BITS`).
pub const EPOLLEXCLUSIVE_OK_BITS: u32 = events::IN | events::OUT | events::ERR | events::HUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/// How deep epolls may watch epolls (`EP_MAX_NESTS`).
const EP_MAX_NESTS: usize = 4;

/// The size of `struct epoll_event` on x86_64 (packed: `u32` events, then
/// `u64` data).
pub const EVENT_SIZE: usize = 12;

/// `struct epoll_event`, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpollEvent {
    /// Events (and flags, in `epoll_ctl`).
    pub events: u32,
    /// The caller's data, returned with the events.
    pub data: u64,
}

impl EpollEvent {
    /// Decodes the packed x86_64 layout.
    pub fn from_bytes(b: &[u8; EVENT_SIZE]) -> EpollEvent {
        let mut ev = [0u8; 4];
        let mut data = [0u8; 8];
        ev.copy_from_slice(&b[..4]);
        data.copy_from_slice(&b[4..]);
        EpollEvent { events: u32::from_ne_bytes(ev), data: u64::from_ne_bytes(data) }
    }

    /// Encodes the packed x86_64 layout.
    pub fn to_bytes(self) -> [u8; EVENT_SIZE] {
        let mut b = [0u8; EVENT_SIZE];
        b[..4].copy_from_slice(&self.events.to_ne_bytes());
        b[4..].copy_from_slice(&self.data.to_ne_bytes());
        b
    }
}

/// An interest's key: the file's address and the descriptor number.
type Key = (usize, i32);

/// One interest.
struct Item {
    /// Distinguishes successive interests under one key.
    id: u64,
    file: Weak<OpenFile>,
    /// Events and flags (`EPOLLERR | EPOLLHUP` always included).
    events: u32,
    data: u64,
    /// Whether the key is on the ready list.
    queued: bool,
    /// Bumped by every notification, so a scan can tell whether one came
    /// while it looked at the file unlocked.
    gen: u64,
    /// The registration with the file; it leaves with the interest.
    _registration: PollTable,
    /// Whether the file is host-backed (polled at each scan).
    host: bool,
    /// For a host-backed edge-triggered interest: the events already
    /// reported that still hold.
    host_seen: u32,
    /// The last scan that took it off the list.
    pass: u64,
}

impl Item {
    fn enabled(&self) -> bool {
        self.events & !EP_PRIVATE_BITS != 0
    }
}

#[derive(Default)]
struct State {
    items: HashMap<Key, Item>,
    ready: VecDeque<Key>,
    /// The host-backed interests (polled at each scan).
    hosts: HashSet<Key>,
    /// Interest count at the last sweep of dead interests.
    swept_at: usize,
}

impl State {
    /// Puts `key` on the ready list unless it is there.
    fn enqueue(&mut self, key: Key) {
        if let Some(item) = self.items.get_mut(&key) {
            if !item.queued {
                item.queued = true;
                self.ready.push_back(key);
            }
        }
    }

    /// Removes interest `key`; the caller drops it unlocked.
    fn remove(&mut self, key: Key) -> Option<Item> {
        let item = self.items.remove(&key)?;
        if item.queued {
            self.ready.retain(|k| *k != key);
        }
        if item.host {
            self.hosts.remove(&key);
        }
        Some(item)
    }
}

/// What callbacks reach: the state and the queue.
struct Shared {
    /// Serialises the consumers of the ready list; counts their passes.
    scan: Mutex<u64>,
    state: Mutex<State>,
    /// Notified (`POLLIN`) whenever an interest may have become ready.
    queue: WaitQueue,
    /// The epolls watching this one, as (epoll, key, interest id); an
    /// entry whose interest is gone is ignored and pruned. A leaf lock.
    parents: Mutex<Vec<(Weak<Shared>, Key, u64)>>,
}

impl Shared {
    /// How many epolls are stacked above this one at most (Linux's
    /// `ep_get_upwards_depth_proc`). Bounded: the loop check keeps every
    /// chain short.
    fn upward_depth(&self) -> usize {
        self.live_parents().iter().map(|p| p.upward_depth() + 1).max().unwrap_or(0)
    }

    /// The epolls watching this one, pruning the entries of interests gone.
    fn live_parents(&self) -> Vec<Arc<Shared>> {
        let mut g = self.parents.lock();
        let mut live = Vec::new();
        g.retain(|(p, key, id)| {
            let Some(p) = p.upgrade() else { return false };
            let alive = p.state.lock().items.get(key).is_some_and(|i| i.id == *id && i.file.strong_count() > 0);
            if alive {
                live.push(p);
            }
            alive
        });
        live
    }

    /// The callback of interest `key`/`id`: a notification of `ev`.
    fn triggered(&self, key: Key, id: u64, ev: u32) {
        {
            let mut st = self.state.lock();
            let Some(item) = st.items.get_mut(&key) else { return };
            if item.id != id || !item.enabled() || ev & item.events == 0 {
                return;
            }
            item.gen = item.gen.wrapping_add(1);
            st.enqueue(key);
        }
        self.queue.notify(events::IN | events::RDNORM);
    }
}

/// An epoll instance: the file of an epoll's open description.
pub struct Epoll {
    /// Serialises `epoll_ctl` (Linux's `ep->mtx`).
    ctl: Mutex<()>,
    shared: Arc<Shared>,
    boot_ns: i64,
    next_id: std::sync::atomic::AtomicU64,
}

/// Serialises the additions of an epoll to an epoll, and their loop
/// checks (Linux's `epnested_mutex`).
static NEST_LOCK: Mutex<()> = Mutex::new(());

/// A snapshot of a queued interest, looked at with no lock held.
struct Candidate {
    key: Key,
    id: u64,
    gen: u64,
    file: Weak<OpenFile>,
    events: u32,
}

/// What a scan decided about a candidate.
enum Verdict {
    /// Not ready: off the list (unless notified meanwhile).
    Idle,
    /// Gone: drop the interest.
    Dead,
    /// Ready with these events.
    Ready(u32),
}

impl Epoll {
    /// A new epoll description (the caller applies `EPOLL_CLOEXEC`).
    /// `boot_ns`: see [`Context::boot_time_ns`](super::Context::boot_time_ns).
    pub fn new_file(boot_ns: i64) -> Arc<OpenFile> {
        OpenFile::new(
            Box::new(Epoll {
                ctl: Mutex::new(()),
                shared: Arc::new(Shared {
                    scan: Mutex::new(0),
                    state: Mutex::new(State::default()),
                    queue: WaitQueue::new(),
                    parents: Mutex::new(Vec::new()),
                }),
                boot_ns,
                next_id: std::sync::atomic::AtomicU64::new(1),
            }),
            o::RDWR,
        )
    }

    /// An epoll for the caller; see [`Epoll::new_file`].
    pub fn create(ctx: &dyn super::Context) -> Arc<OpenFile> {
        Epoll::new_file(ctx.boot_time_ns())
    }

    /// The queue `epoll_wait` sleepers register on.
    pub fn queue(&self) -> &WaitQueue {
        &self.shared.queue
    }

    /// The epolls this epoll watches directly.
    fn watched_epolls(&self) -> Vec<Arc<OpenFile>> {
        let weak: Vec<Weak<OpenFile>> = self.shared.state.lock().items.values().map(|i| i.file.clone()).collect();
        weak.iter().filter_map(Weak::upgrade).filter(|f| f.downcast::<Epoll>().is_some()).collect()
    }

    /// Linux's `ep_loop_check`: whether adding `target` (an epoll) to
    /// `self` would close a loop, or stack more than [`EP_MAX_NESTS`]
    /// epolls below and above the new link.
    fn loop_check(&self, target: &Epoll) -> bool {
        let me = Arc::as_ptr(&self.shared) as usize;
        /// The depth of epolls below `ep` (`None`: a loop to `me`, or too deep).
        fn below(ep: &Epoll, me: usize, level: usize, memo: &mut HashMap<usize, Option<usize>>) -> Option<usize> {
            let id = Arc::as_ptr(&ep.shared) as usize;
            if let Some(d) = memo.get(&id) {
                return *d;
            }
            let mut depth = Some(0);
            for f in ep.watched_epolls() {
                let Some(inner) = f.downcast::<Epoll>() else { continue };
                let d = if Arc::as_ptr(&inner.shared) as usize == me || level > EP_MAX_NESTS {
                    None
                } else {
                    below(inner, me, level + 1, memo).map(|d| d + 1)
                };
                depth = depth.zip(d).map(|(a, b)| a.max(b)).filter(|&d| d <= EP_MAX_NESTS);
                if depth.is_none() {
                    break;
                }
            }
            memo.insert(id, depth);
            depth
        }
        match below(target, me, 0, &mut HashMap::new()) {
            None => true,
            Some(depth) => depth + 1 + self.shared.upward_depth() > EP_MAX_NESTS,
        }
    }

    /// `EPOLL_CTL_ADD` of `file`, open as descriptor `fd`. The caller has
    /// checked the descriptors, that the file can be polled and is not
    /// this epoll, and the `EPOLLEXCLUSIVE` rules.
    pub fn add(&self, file: &Arc<OpenFile>, fd: i32, ev: EpollEvent) -> Result<(), Errno> {
        let _ctl = self.ctl.lock();
        let _nest = match file.downcast::<Epoll>() {
            Some(target) => {
                let g = NEST_LOCK.lock();
                if self.loop_check(target) {
                    return Err(ELOOP);
                }
                Some(g)
            }
            None => None,
        };
        let key = (Arc::as_ptr(file) as *const u8 as usize, fd);
        if self.shared.state.lock().items.contains_key(&key) {
            return Err(EEXIST);
        }
        let events = ev.events | events::ERR | events::HUP;
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let weak = Arc::downgrade(&self.shared);
        let mut table = PollTable::for_callback(Arc::new(move |e| {
            if let Some(shared) = weak.upgrade() {
                shared.triggered(key, id, e);
            }
        }));
        // Every event: `MOD` may change what the interest asks for.
        file.ops.poll_register(&mut table, events::ALL);
        // An epoll is polled at each scan too, so that host-backed files
        // it comes to watch later are heard of through it.
        let host = table.has_host() || file.downcast::<Epoll>().is_some();
        let dead = {
            let mut st = self.shared.state.lock();
            let item = Item {
                id,
                file: Arc::downgrade(file),
                events,
                data: ev.data,
                queued: false,
                gen: 0,
                _registration: table,
                host,
                host_seen: 0,
                pass: 0,
            };
            st.items.insert(key, item);
            if host {
                st.hosts.insert(key);
            }
            Self::sweep(&mut st)
        };
        drop(dead);
        if let Some(target) = file.downcast::<Epoll>() {
            // Pruned first, so that adding and deleting forever stays bounded.
            drop(target.shared.live_parents());
            target.shared.parents.lock().push((Arc::downgrade(&self.shared), key, id));
        }
        self.check_now(key, id, file, events);
        Ok(())
    }

    /// Removes the interests whose files are gone, when the set has
    /// doubled since the last sweep; the caller drops them unlocked.
    fn sweep(st: &mut State) -> Vec<Item> {
        if st.items.len() < 64 || st.items.len() < st.swept_at * 2 {
            return Vec::new();
        }
        let dead: Vec<Key> = st.items.iter().filter(|(_, i)| i.file.strong_count() == 0).map(|(k, _)| *k).collect();
        let removed = dead.into_iter().filter_map(|k| st.remove(k)).collect();
        st.swept_at = st.items.len();
        removed
    }

    /// Queues interest `key` if its file is ready for `events` now (after
    /// an `ADD` or a `MOD`), and wakes the sleepers.
    fn check_now(&self, key: Key, id: u64, file: &Arc<OpenFile>, events: u32) {
        if file.ops.readiness() & events == 0 {
            return;
        }
        {
            let mut st = self.shared.state.lock();
            match st.items.get(&key) {
                Some(item) if item.id == id && item.enabled() => st.enqueue(key),
                _ => return,
            }
        }
        self.shared.queue.notify(events::IN | events::RDNORM);
    }

    /// `EPOLL_CTL_DEL`.
    pub fn del(&self, file: &Arc<OpenFile>, fd: i32) -> Result<(), Errno> {
        let _ctl = self.ctl.lock();
        let key = (Arc::as_ptr(file) as *const u8 as usize, fd);
        let removed = self.shared.state.lock().remove(key);
        match removed {
            Some(item) => {
                drop(item);
                Ok(())
            }
            None => Err(ENOENT),
        }
    }

    /// `EPOLL_CTL_MOD`: new events and data, re-armed (`EPOLLONESHOT`);
    /// `EINVAL` for an `EPOLLEXCLUSIVE` interest.
    pub fn modify(&self, file: &Arc<OpenFile>, fd: i32, ev: EpollEvent) -> Result<(), Errno> {
        let _ctl = self.ctl.lock();
        let key = (Arc::as_ptr(file) as *const u8 as usize, fd);
        let events = ev.events | events::ERR | events::HUP;
        let id = {
            let mut st = self.shared.state.lock();
            let item = st.items.get_mut(&key).ok_or(ENOENT)?;
            if item.events & EPOLLEXCLUSIVE != 0 {
                return Err(EINVAL);
            }
            item.events = events;
            item.data = ev.data;
            item.host_seen = 0;
            item.id
        };
        self.check_now(key, id, file, events);
        Ok(())
    }

    /// Host-backed interests: puts those that are ready (level-triggered)
    /// or have new events (edge-triggered) on the list.
    fn scan_hosts(&self) {
        let hosts: Vec<(Key, Weak<OpenFile>)> = {
            let st = self.shared.state.lock();
            st.hosts.iter().filter_map(|k| st.items.get(k).filter(|i| i.enabled()).map(|i| (*k, i.file.clone()))).collect()
        };
        if hosts.is_empty() {
            return;
        }
        let now: Vec<(Key, u32)> = hosts.iter().filter_map(|(k, f)| Some((*k, f.upgrade()?.ops.readiness()))).collect();
        let mut st = self.shared.state.lock();
        for (key, cur) in now {
            let Some(item) = st.items.get_mut(&key) else { continue };
            item.host_seen &= cur;
            let fresh = if item.events & EPOLLET != 0 { cur & item.events & !item.host_seen } else { cur & item.events };
            if fresh != 0 && item.enabled() {
                st.enqueue(key);
            }
        }
    }

    /// Takes up to `n` interests off the front of the list, stopping at one
    /// this scan (`pass`) already took and put back. They stay marked
    /// queued (so no notification queues them twice) until [`Epoll::settle`].
    fn take_batch(&self, pass: u64, n: usize) -> Vec<Candidate> {
        let mut st = self.shared.state.lock();
        let State { items, ready, .. } = &mut *st;
        let mut batch = Vec::new();
        while batch.len() < n {
            let Some(&key) = ready.front() else { break };
            let Some(item) = items.get_mut(&key) else {
                ready.pop_front();
                continue;
            };
            if item.pass == pass {
                break;
            }
            item.pass = pass;
            ready.pop_front();
            batch.push(Candidate { key, id: item.id, gen: item.gen, file: item.file.clone(), events: item.events });
        }
        batch
    }

    /// Asks a candidate's file for its readiness; `files` keeps the files
    /// alive until the caller drops them unlocked.
    fn judge(c: &Candidate, files: &mut Vec<Arc<OpenFile>>) -> Verdict {
        let Some(f) = c.file.upgrade() else { return Verdict::Dead };
        let rev = f.ops.readiness() & c.events;
        files.push(f);
        if rev == 0 {
            Verdict::Idle
        } else {
            Verdict::Ready(rev)
        }
    }

    /// Applies the verdicts on a batch: a ready interest is reported into
    /// `out` (when given; else it goes back to the front of the list) and
    /// then, level-triggered, back on the list's end, one-shot, disabled;
    /// an idle one leaves the list; a dead one is removed (into `removed`,
    /// to be dropped unlocked). One notified meanwhile goes back on the list.
    fn settle(&self, batch: &[Candidate], verdicts: Vec<Verdict>, mut out: Option<&mut Vec<EpollEvent>>, removed: &mut Vec<Item>) {
        let mut st = self.shared.state.lock();
        let mut requeue = Vec::new();
        let mut front = Vec::new();
        for (c, v) in batch.iter().zip(verdicts) {
            let Some(item) = st.items.get_mut(&c.key).filter(|i| i.id == c.id) else { continue };
            item.queued = false;
            let mut again = item.gen != c.gen;
            match v {
                Verdict::Dead => {
                    removed.extend(st.remove(c.key));
                    continue;
                }
                Verdict::Idle => {}
                Verdict::Ready(rev) => {
                    let rev = rev & item.events;
                    if rev != 0 && item.enabled() {
                        let Some(out) = out.as_deref_mut() else {
                            front.push(c.key);
                            continue;
                        };
                        out.push(EpollEvent { events: rev, data: item.data });
                        item.host_seen |= rev;
                        if item.events & EPOLLONESHOT != 0 {
                            item.events &= EP_PRIVATE_BITS;
                        } else if item.events & EPOLLET == 0 {
                            again = true;
                        }
                    }
                }
            }
            if again && item.enabled() {
                requeue.push(c.key);
            }
        }
        for key in front.into_iter().rev() {
            if let Some(item) = st.items.get_mut(&key) {
                item.queued = true;
                st.ready.push_front(key);
            }
        }
        for key in requeue {
            st.enqueue(key);
        }
    }

    /// Takes up to `max` ready events off the list, as `epoll_wait`
    /// reports them: in list order, each interest at most once.
    pub fn collect(&self, max: usize) -> Vec<EpollEvent> {
        let mut scan = self.shared.scan.lock();
        *scan += 1;
        let pass = *scan;
        self.scan_hosts();
        let mut out = Vec::new();
        let mut files = Vec::new();
        let mut removed = Vec::new();
        while out.len() < max {
            let batch = self.take_batch(pass, max - out.len());
            if batch.is_empty() {
                break;
            }
            let verdicts = batch.iter().map(|c| Self::judge(c, &mut files)).collect();
            self.settle(&batch, verdicts, Some(&mut out), &mut removed);
        }
        drop(removed);
        drop(files);
        out
    }

    /// Whether an interest on the list is ready now (the epoll file's own
    /// readiness). Ready interests keep their places; those found not
    /// ready leave the list, as Linux's `ep_eventpoll_poll` drops them.
    fn has_ready(&self) -> bool {
        let mut scan = self.shared.scan.lock();
        *scan += 1;
        let pass = *scan;
        self.scan_hosts();
        let mut files = Vec::new();
        let mut removed = Vec::new();
        let mut ready = false;
        while !ready {
            let batch = self.take_batch(pass, 16);
            if batch.is_empty() {
                break;
            }
            let mut verdicts = Vec::with_capacity(batch.len());
            for c in &batch {
                // Past the first ready one, keep the rest as they are.
                let v = if ready { Verdict::Ready(c.events) } else { Self::judge(c, &mut files) };
                ready |= matches!(v, Verdict::Ready(_));
                verdicts.push(v);
            }
            self.settle(&batch, verdicts, None, &mut removed);
        }
        drop(removed);
        drop(files);
        ready
    }

    /// Registers `table` for changes: on the epoll's queue, and on the
    /// host descriptors of host-backed interests that can still report
    /// something not reported yet (a descriptor whose reported condition
    /// persists would end every sleep at once).
    pub fn register(&self, table: &mut PollTable) {
        table.add_queue(&self.shared.queue, events::ALL);
        let hosts: Vec<(Weak<OpenFile>, u32)> = {
            let st = self.shared.state.lock();
            st.hosts
                .iter()
                .filter_map(|k| st.items.get(k))
                .filter(|i| i.enabled() && i.host_seen & (events::ERR | events::HUP) == 0)
                .map(|i| (i.file.clone(), i.events & !i.host_seen & !EP_PRIVATE_BITS))
                .collect()
        };
        for (f, mask) in hosts {
            if let Some(f) = f.upgrade() {
                f.ops.poll_register(table, mask);
            }
        }
    }

    /// How many interests the epoll holds (dead ones included until swept).
    pub fn len(&self) -> usize {
        self.shared.state.lock().items.len()
    }

    /// Whether the epoll holds no interest.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl FileOps for Epoll {
    /// `noop_llseek`: the position stays 0.
    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Ok(0)
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(anon::stat(self.boot_ns))
    }

    fn anon_name(&self) -> &'static str {
        "[eventpoll]"
    }

    fn pollable(&self) -> bool {
        true
    }

    fn readiness(&self) -> u32 {
        if self.has_ready() {
            events::IN | events::RDNORM
        } else {
            0
        }
    }

    fn poll_register(&self, table: &mut PollTable, mask: u32) {
        // An epoll reports nothing but readability: a sleeper that asks
        // for nothing else need not hear of it (nor of its host files).
        if mask & (events::IN | events::RDNORM) != 0 {
            self.register(table);
        }
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        // The registrations leave the files' queues with the items, taken
        // out first so that no lock is held while they go.
        let items = std::mem::take(&mut self.shared.state.lock().items);
        drop(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiter::Waiter;
    use crate::fsimpl::eventfd::EventFd;

    fn ev(events: u32, data: u64) -> EpollEvent {
        EpollEvent { events, data }
    }

    fn epoll() -> Arc<OpenFile> {
        Epoll::new_file(0)
    }

    fn ep(f: &Arc<OpenFile>) -> &Epoll {
        f.downcast::<Epoll>().unwrap()
    }

    fn efd_add(f: &Arc<OpenFile>, v: u64) {
        let w = Arc::new(Waiter::new().unwrap());
        f.downcast::<EventFd>().unwrap().add(&w, &|| false, v, true).unwrap();
    }

    fn efd_take(f: &Arc<OpenFile>) -> u64 {
        let w = Arc::new(Waiter::new().unwrap());
        f.downcast::<EventFd>().unwrap().take(&w, &|| false, true).unwrap()
    }

    #[test]
    fn the_packed_event_layout() {
        let e = ev(0x8000_0001, 0x1122_3344_5566_7788);
        let b = e.to_bytes();
        assert_eq!(&b[..4], &0x8000_0001u32.to_ne_bytes());
        assert_eq!(EpollEvent::from_bytes(&b), e);
    }

    #[test]
    fn level_triggered_reports_until_not_ready() {
        let e = epoll();
        let efd = EventFd::new_file(0, 0, 0);
        ep(&e).add(&efd, 3, ev(events::IN, 42)).unwrap();
        assert_eq!(ep(&e).add(&efd, 3, ev(events::IN, 42)), Err(EEXIST));
        assert!(ep(&e).collect(8).is_empty());
        assert_eq!(e.ops.readiness(), 0);
        efd_add(&efd, 1);
        assert_eq!(e.ops.readiness(), events::IN | events::RDNORM);
        assert_eq!(ep(&e).collect(8), [ev(events::IN, 42)]);
        assert_eq!(ep(&e).collect(8), [ev(events::IN, 42)], "still ready: reported again");
        efd_take(&efd);
        assert!(ep(&e).collect(8).is_empty());
        assert_eq!(ep(&e).del(&efd, 3), Ok(()));
        assert_eq!(ep(&e).del(&efd, 3), Err(ENOENT));
        assert!(efd.downcast::<EventFd>().unwrap().queue().is_empty());
    }

    #[test]
    fn edge_triggered_reports_each_new_event_once() {
        let e = epoll();
        let efd = EventFd::new_file(1, 0, 0);
        ep(&e).add(&efd, 3, ev(events::IN | EPOLLET, 7)).unwrap();
        assert_eq!(ep(&e).collect(8), [ev(events::IN, 7)], "ready when added");
        assert!(ep(&e).collect(8).is_empty());
        efd_add(&efd, 1);
        assert_eq!(ep(&e).collect(8), [ev(events::IN, 7)], "a write is a new edge");
        assert!(ep(&e).collect(8).is_empty());
        // Writability is not asked for: a read makes no event.
        efd_take(&efd);
        assert!(ep(&e).collect(8).is_empty());
    }

    #[test]
    fn oneshot_disables_until_modified() {
        let e = epoll();
        let efd = EventFd::new_file(1, 0, 0);
        ep(&e).add(&efd, 3, ev(events::IN | EPOLLONESHOT, 1)).unwrap();
        assert_eq!(ep(&e).collect(8), [ev(events::IN, 1)]);
        efd_add(&efd, 1);
        assert!(ep(&e).collect(8).is_empty());
        ep(&e).modify(&efd, 3, ev(events::IN | events::OUT | EPOLLONESHOT, 2)).unwrap();
        assert_eq!(ep(&e).collect(8), [ev(events::IN | events::OUT, 2)]);
        assert_eq!(ep(&e).modify(&efd, 4, ev(events::IN, 2)), Err(ENOENT));
    }

    #[test]
    fn maxevents_leaves_the_rest_queued() {
        let e = epoll();
        let files: Vec<_> = (0..5).map(|_| EventFd::new_file(1, 0, 0)).collect();
        for (i, f) in files.iter().enumerate() {
            ep(&e).add(f, i as i32, ev(events::IN | EPOLLET, i as u64)).unwrap();
        }
        let mut got: Vec<u64> = ep(&e).collect(2).iter().map(|e| e.data).collect();
        assert_eq!(got.len(), 2);
        got.extend(ep(&e).collect(8).iter().map(|e| e.data));
        got.sort();
        assert_eq!(got, [0, 1, 2, 3, 4]);
        assert!(ep(&e).collect(8).is_empty());
    }

    #[test]
    fn epolls_nest_and_loops_are_refused() {
        let outer = epoll();
        let inner = epoll();
        let efd = EventFd::new_file(0, 0, 0);
        ep(&inner).add(&efd, 5, ev(events::IN, 5)).unwrap();
        ep(&outer).add(&inner, 6, ev(events::IN | EPOLLET, 6)).unwrap();
        assert_eq!(ep(&inner).add(&outer, 7, ev(events::IN, 7)), Err(ELOOP));
        assert!(ep(&outer).collect(8).is_empty());
        efd_add(&efd, 1);
        assert_eq!(ep(&outer).collect(8), [ev(events::IN, 6)]);
        assert!(ep(&outer).collect(8).is_empty(), "edge-triggered: once");
        assert_eq!(ep(&inner).collect(8), [ev(events::IN, 5)]);
        drop(inner);
    }

    #[test]
    fn level_triggered_reports_each_interest_once_per_wait() {
        let e = epoll();
        let files: Vec<_> = (0..3).map(|_| EventFd::new_file(1, 0, 0)).collect();
        for (i, f) in files.iter().enumerate() {
            ep(&e).add(f, i as i32, ev(events::IN, i as u64)).unwrap();
        }
        for _ in 0..3 {
            let mut got: Vec<u64> = ep(&e).collect(8).iter().map(|e| e.data).collect();
            got.sort();
            assert_eq!(got, [0, 1, 2]);
        }
        // Rotation: with room for one, each comes in turn.
        let mut got: Vec<u64> = (0..3).flat_map(|_| ep(&e).collect(1)).map(|e| e.data).collect();
        got.sort();
        assert_eq!(got, [0, 1, 2]);
        // The epoll's own readiness drops the interests no longer ready.
        efd_take(&files[0]);
        efd_take(&files[1]);
        assert_eq!(e.ops.readiness(), events::IN | events::RDNORM);
        efd_take(&files[2]);
        assert_eq!(e.ops.readiness(), 0);
        assert!(ep(&e).shared.state.lock().ready.is_empty());
    }

    #[test]
    fn no_edge_is_lost_under_contention() {
        // Writers bump eventfds while a consumer waits edge-triggered and
        // drains what it is told of; a lost edge would hang (deadline).
        let e = epoll();
        let files: Vec<_> = (0..4).map(|_| EventFd::new_file(0, 0, 0)).collect();
        for (i, f) in files.iter().enumerate() {
            ep(&e).add(f, i as i32, ev(events::IN | EPOLLET, i as u64)).unwrap();
        }
        let writers: Vec<_> = files
            .iter()
            .cloned()
            .map(|f| {
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        efd_add(&f, 1);
                        std::thread::yield_now();
                    }
                })
            })
            .collect();
        let w = Arc::new(Waiter::new().unwrap());
        let deadline = crate::waiter::deadline_after(std::time::Duration::from_secs(20));
        let mut total = 0;
        while total < 4000 {
            let got = crate::vfs::poll::wait_ready(&w, || false, deadline, |t| {
                if let Some(t) = t {
                    e.ops.poll_register(t, events::IN);
                }
                Some(ep(&e).collect(4)).filter(|v| !v.is_empty())
            })
            .unwrap()
            .expect("an edge was lost");
            for event in got {
                let f = &files[event.data as usize];
                let w2 = Arc::new(Waiter::new().unwrap());
                total += f.downcast::<EventFd>().unwrap().take(&w2, &|| false, true).unwrap_or(0);
            }
        }
        for h in writers {
            h.join().unwrap();
        }
        assert_eq!(total, 4000);
    }

    #[test]
    fn nesting_is_limited_both_ways() {
        // Built top-down, a chain is stopped by the depth above.
        let chain: Vec<_> = (0..8).map(|_| epoll()).collect();
        let mut refused = None;
        for i in 0..7 {
            if let Err(e) = ep(&chain[i]).add(&chain[i + 1], 1, ev(events::IN, 0)) {
                refused = Some((i, e));
                break;
            }
        }
        assert_eq!(refused, Some((4, ELOOP)), "five epolls at most in a chain");
        // Built bottom-up, by the depth below.
        let chain: Vec<_> = (0..8).map(|_| epoll()).collect();
        let mut refused = None;
        for i in (0..7).rev() {
            if let Err(e) = ep(&chain[i]).add(&chain[i + 1], 1, ev(events::IN, 0)) {
                refused = Some((i, e));
                break;
            }
        }
        assert_eq!(refused, Some((2, ELOOP)));
        // Removing a link makes room again.
        ep(&chain[6]).del(&chain[7], 1).unwrap();
        assert_eq!(ep(&chain[2]).add(&chain[3], 1, ev(events::IN, 0)), Ok(()));
    }

    #[test]
    fn a_sleeper_on_the_epoll_is_woken() {
        let e = epoll();
        let efd = EventFd::new_file(0, 0, 0);
        ep(&e).add(&efd, 3, ev(events::IN, 3)).unwrap();
        let w = Arc::new(Waiter::new().unwrap());
        let e2 = e.clone();
        let h = std::thread::spawn(move || {
            crate::vfs::poll::wait_ready(&w, || false, None, |t| {
                if let Some(t) = t {
                    e2.ops.poll_register(t, events::IN);
                }
                Some(ep(&e2).collect(8)).filter(|v| !v.is_empty())
            })
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        efd_add(&efd, 2);
        assert_eq!(h.join().unwrap(), Ok(Some(vec![ev(events::IN, 3)])));
    }
}
