//! The set of virtual memory areas (VMAs) of one address space.
//!
//! The sentry keeps this map as the authoritative record of what an
//! application has mapped where, with which protection, and what backs it;
//! the stub process is then told to mmap/munmap/mprotect to match. The
//! operations follow Linux's VMA semantics as far as mmap, munmap, mprotect,
//! mremap and brk need them: areas are split where an operation's range cuts
//! through them, and adjacent compatible areas are merged again so repeated
//! mprotect toggles do not make the set grow without bound.
//!
//! All addresses are `u64` and are expected to be page-aligned by the caller;
//! ranges are half-open `[start, end)`. No operation panics: an empty or
//! inverted range (`start >= end`) is a no-op.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// The page size assumed for alignment of search results.
pub const PAGE: u64 = 4096;

/// Protection bits as in `PROT_READ = 1`, `PROT_WRITE = 2`, `PROT_EXEC = 4`.
pub type Prot = u64;

/// `PROT_WRITE`.
const PROT_WRITE: Prot = 2;

/// What backs an area; used for `/proc/PID/maps` naming and merge decisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Private anonymous memory.
    Anonymous,
    /// Shared anonymous memory (`MAP_SHARED | MAP_ANONYMOUS`): one memory
    /// object, shared with forked children.
    SharedAnonymous {
        /// The object's identity (unique in the kernel).
        id: u64,
        /// Offset in the object corresponding to the area's start address.
        offset: u64,
    },
    /// The program break area managed by brk.
    Heap,
    /// The main thread's stack.
    Stack,
    /// The vDSO's data pages (`[vvar]`).
    Vvar,
    /// The vDSO's image (`[vdso]`).
    Vdso,
    /// A program image or interpreter the loader mapped.
    Image {
        /// The file's name as shown in `/proc/PID/maps`.
        name: String,
        /// File offset corresponding to the area's start address.
        offset: u64,
        /// The sandbox's device number of the file.
        dev: u64,
        /// The sandbox's inode number of the file.
        ino: u64,
    },
    /// A mapping of a file the app opened (`mmap` of a descriptor).
    File {
        /// The file's path when it was mapped, as `/proc/PID/maps` shows it.
        name: String,
        /// File offset corresponding to the area's start address.
        offset: u64,
        /// The file's memory object.
        object: FileObject,
    },
}

/// The writable shared mappings of one file: every area that maps the
/// file shared and may be written holds a clone of the file's
/// `Arc<Writers>` (the file keeps one itself), so they are counted by the
/// areas' own lifetimes: unmapping, splitting, merging, forking and exiting
/// need no bookkeeping. See [`Writers::mapped`].
#[derive(Debug, Default)]
pub struct Writers;

impl Writers {
    /// Whether any area holds `w` besides the file's own reference.
    pub fn mapped(w: &Arc<Writers>) -> bool {
        Arc::strong_count(w) > 1
    }
}

/// The memory object behind a file mapping.
#[derive(Clone, Debug)]
pub struct FileObject {
    /// The object's identity (unique in the kernel): shared mappings of
    /// one object meet one futex per offset.
    pub id: u64,
    /// The sandbox's device number of the file (`/proc/PID/maps`).
    pub dev: u64,
    /// The sandbox's inode number of the file (`/proc/PID/maps`).
    pub ino: u64,
    /// For a shared mapping that may be made writable (the file open for
    /// writing and not sealed against writes): the file's count of such
    /// mappings. `None` refuses `PROT_WRITE` to `mprotect` (`EACCES`).
    pub writers: Option<Arc<Writers>>,
}

impl PartialEq for FileObject {
    fn eq(&self, other: &FileObject) -> bool {
        (self.id, self.dev, self.ino, self.writers.is_some()) == (other.id, other.dev, other.ino, other.writers.is_some())
    }
}

impl Eq for FileObject {}

impl Backing {
    /// The offset into the backing object, for objects that have one.
    pub fn offset_mut(&mut self) -> Option<&mut u64> {
        match self {
            Backing::Image { offset, .. } | Backing::File { offset, .. } | Backing::SharedAnonymous { offset, .. } => Some(offset),
            _ => None,
        }
    }
}

/// One virtual memory area: a contiguous, uniformly mapped range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vma {
    /// First address of the area (inclusive).
    pub start: u64,
    /// End of the area (exclusive).
    pub end: u64,
    /// Protection bits (`PROT_*`).
    pub prot: Prot,
    /// Whether the mapping is `MAP_SHARED` (otherwise private).
    pub shared: bool,
    /// What backs the area.
    pub backing: Backing,
    /// Linux's `VM_ACCOUNT`: the area is private and has been writable,
    /// mapped so or made so by `mprotect` (commit charge was taken for it),
    /// and stays so whatever its protection becomes. Linux never merges
    /// such an area with one that is not, so the read-only part of a
    /// library's writable segment (its RELRO, after `mprotect`) stays a
    /// line of its own in `/proc/PID/maps` beside the read-only segment
    /// before it. [`VmaSet::insert`] and [`VmaSet::protect`] set it; a
    /// caller may leave it `false`. (`MAP_NORESERVE`, which Linux does not
    /// charge, is not told apart.)
    pub accounted: bool,
}

impl Vma {
    /// The area's length in bytes.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the area is empty (never true for areas stored in a set).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether `addr` lies inside the area.
    pub fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// Splits the area at `at` (which must lie strictly inside it), keeping
    /// `[start, at)` in `self` and returning `[at, end)` with its offset in
    /// the backing object adjusted.
    fn split_off(&mut self, at: u64) -> Vma {
        let mut right = self.clone();
        right.start = at;
        if let Some(offset) = right.backing.offset_mut() {
            *offset = offset.wrapping_add(at - self.start);
        }
        self.end = at;
        right
    }

    /// Whether `next` directly follows `self` and the two can be one area.
    fn can_merge_with(&self, next: &Vma) -> bool {
        if self.end != next.start || self.prot != next.prot || self.shared != next.shared || self.accounted != next.accounted {
            return false;
        }
        match (&self.backing, &next.backing) {
            (
                Backing::Image { name: a, offset: oa, dev: da, ino: ia },
                Backing::Image { name: b, offset: ob, dev: db, ino: ib },
            ) => (a, da, ia) == (b, db, ib) && oa.checked_add(self.len()) == Some(*ob),
            (Backing::SharedAnonymous { id: a, offset: oa }, Backing::SharedAnonymous { id: b, offset: ob }) => {
                a == b && oa.checked_add(self.len()) == Some(*ob)
            }
            (Backing::File { name: na, offset: oa, object: a }, Backing::File { name: nb, offset: ob, object: b }) => {
                na == nb && a == b && oa.checked_add(self.len()) == Some(*ob)
            }
            (a, b) => a == b,
        }
    }
}

/// The areas of one address space, keyed by start address.
///
/// Invariants: areas are non-empty, do not overlap, and no two adjacent areas
/// are mergeable (after `insert`/`protect`; `remove` never creates such pairs).
#[derive(Clone, Debug, Default)]
pub struct VmaSet {
    areas: BTreeMap<u64, Vma>,
}

impl VmaSet {
    /// An empty address space.
    pub fn new() -> VmaSet {
        VmaSet {
            areas: BTreeMap::new(),
        }
    }

    /// All areas in ascending address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma> + '_ {
        self.areas.values()
    }

    /// The areas that overlap `[start, end)`, in ascending address order
    /// (whole areas, not clipped to the range).
    pub fn range(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma> + '_ {
        let first = if start < end {
            match self.find(start) {
                Some(v) => Some(v.start),
                None => Some(start),
            }
        } else {
            None
        };
        first
            .into_iter()
            .flat_map(move |first| self.areas.range(first..end).map(|(_, v)| v))
    }

    /// The number of areas.
    pub fn len(&self) -> usize {
        self.areas.len()
    }

    /// Whether there are no areas.
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// The area containing `addr`, if any.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.areas
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| addr < v.end)
    }

    /// Whether any area overlaps `[start, end)`.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        if start >= end {
            return false;
        }
        // The area with the highest start below `end` overlaps iff it ends
        // after `start`; areas further down end even earlier.
        match self.areas.range(..end).next_back() {
            Some((_, v)) => v.end > start,
            None => false,
        }
    }

    /// The bytes of the [accounted](Vma::accounted) areas: the space's
    /// committed memory.
    pub fn committed(&self) -> u64 {
        self.areas.values().filter(|v| v.accounted).map(Vma::len).sum()
    }

    /// The bytes of `[start, end)` that making it writable would commit:
    /// those of private areas not yet accounted.
    pub fn uncommitted_private(&self, start: u64, end: u64) -> u64 {
        self.range(start, end).filter(|v| !v.shared && !v.accounted).map(|v| v.end.min(end).saturating_sub(v.start.max(start))).sum()
    }

    /// Whether `[start, end)` is covered by areas without holes (vacuously
    /// true for an empty range).
    pub fn is_fully_mapped(&self, start: u64, end: u64) -> bool {
        if start >= end {
            return true;
        }
        let first = match self.find(start) {
            Some(v) => v.start,
            None => return false,
        };
        let mut covered = start;
        for (_, v) in self.areas.range(first..) {
            if v.start > covered {
                return false;
            }
            covered = v.end;
            if covered >= end {
                return true;
            }
        }
        false
    }

    /// Maps `vma`, replacing whatever was in `[vma.start, vma.end)` (like
    /// `MAP_FIXED`), then merges it with compatible neighbours. An empty
    /// `vma` is ignored. A private writable area is
    /// [accounted](Vma::accounted).
    pub fn insert(&mut self, mut vma: Vma) {
        if vma.start >= vma.end {
            return;
        }
        vma.accounted |= !vma.shared && vma.prot & PROT_WRITE != 0;
        let (start, end) = (vma.start, vma.end);
        self.remove(start, end);
        self.areas.insert(start, vma);
        self.coalesce(start, end);
    }

    /// Unmaps `[start, end)` (like munmap), splitting areas that straddle
    /// the edges, and returns the removed pieces in address order. Holes in
    /// the range are fine.
    pub fn remove(&mut self, start: u64, end: u64) -> Vec<Vma> {
        if start >= end {
            return Vec::new();
        }
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.areas.range(start..end).map(|(&k, _)| k).collect();
        keys.into_iter()
            .filter_map(|k| self.areas.remove(&k))
            .collect()
    }

    /// Sets the protection of `[start, end)` to `prot` (like mprotect),
    /// splitting areas at the edges and merging afterwards; private areas
    /// made writable become [accounted](Vma::accounted). Fails without
    /// changing anything if any part of the range is unmapped (Linux returns
    /// `ENOMEM`). An empty range succeeds and does nothing.
    #[allow(clippy::result_unit_err)] // The only failure is ENOMEM; the caller maps it.
    pub fn protect(&mut self, start: u64, end: u64, prot: Prot) -> Result<(), ()> {
        if start >= end {
            return Ok(());
        }
        if !self.is_fully_mapped(start, end) {
            return Err(());
        }
        self.split_at(start);
        self.split_at(end);
        for (_, v) in self.areas.range_mut(start..end) {
            v.prot = prot;
            v.accounted |= !v.shared && prot & PROT_WRITE != 0;
        }
        self.coalesce(start, end);
        Ok(())
    }

    /// The highest page-aligned start `s` with `low <= s` and
    /// `s + len <= high` such that `[s, s + len)` overlaps no area and no
    /// range in `reserved`. Returns `None` if there is no such place or if
    /// `len` is zero.
    ///
    /// Walks the areas from the top down, jumping below each obstacle, so
    /// the cost is proportional to the number of areas above the result
    /// (times a scan of `reserved`), not to the number of pages.
    pub fn find_gap_top_down(
        &self,
        len: u64,
        low: u64,
        high: u64,
        reserved: &[Range<u64>],
    ) -> Option<u64> {
        if len == 0 {
            return None;
        }
        let mut top = high;
        loop {
            let candidate = top.checked_sub(len)? & !(PAGE - 1);
            if candidate < low {
                return None;
            }
            let cand_end = candidate + len;
            // Any valid start below `candidate` must end at or below the
            // start of every obstacle overlapping the candidate window.
            let mut next_top: Option<u64> = None;
            if let Some((_, v)) = self.areas.range(..cand_end).next_back() {
                if v.end > candidate {
                    next_top = Some(v.start);
                }
            }
            for r in reserved {
                if r.start < r.end && r.start < cand_end && candidate < r.end {
                    next_top = Some(next_top.map_or(r.start, |t| t.min(r.start)));
                }
            }
            match next_top {
                None => return Some(candidate),
                // Obstacles start below `cand_end <= top`, so `top` strictly
                // decreases and each obstacle is passed at most once.
                Some(t) => top = t,
            }
        }
    }

    /// Whether `[start, end)` overlaps no area and no range in `reserved`
    /// (vacuously true for an empty range).
    pub fn is_free(&self, start: u64, end: u64, reserved: &[Range<u64>]) -> bool {
        if start >= end {
            return true;
        }
        !self.overlaps(start, end)
            && !reserved
                .iter()
                .any(|r| r.start < r.end && r.start < end && start < r.end)
    }

    /// Splits the area strictly containing `addr` (if any) into two at `addr`.
    fn split_at(&mut self, addr: u64) {
        let right = match self.areas.range_mut(..addr).next_back() {
            Some((_, v)) if v.end > addr => v.split_off(addr),
            _ => return,
        };
        self.areas.insert(addr, right);
    }

    /// Merges compatible adjacent areas among those overlapping
    /// `[start, end)` plus the neighbours touching its edges.
    fn coalesce(&mut self, start: u64, end: u64) {
        let first = match self.areas.range(..start).next_back() {
            Some((&k, v)) if v.end >= start => k,
            _ => start,
        };
        let keys: Vec<u64> = self.areas.range(first..=end).map(|(&k, _)| k).collect();
        let mut keys = keys.into_iter();
        let Some(mut current) = keys.next() else {
            return;
        };
        for next in keys {
            let mergeable = match (self.areas.get(&current), self.areas.get(&next)) {
                (Some(a), Some(b)) => a.can_merge_with(b),
                _ => false,
            };
            if mergeable {
                if let Some(b) = self.areas.remove(&next) {
                    if let Some(a) = self.areas.get_mut(&current) {
                        a.end = b.end;
                    }
                }
            } else {
                current = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Prot = 1;
    const W: Prot = 2;
    const X: Prot = 4;
    const RW: Prot = R | W;

    fn p(n: u64) -> u64 {
        n * PAGE
    }

    /// A private anonymous area, as `insert` keeps it.
    fn anon(start: u64, end: u64, prot: Prot) -> Vma {
        Vma {
            start: p(start),
            end: p(end),
            prot,
            shared: false,
            backing: Backing::Anonymous,
            accounted: prot & W != 0,
        }
    }

    fn image(start: u64, end: u64, prot: Prot, name: &str, offset: u64) -> Vma {
        Vma {
            start: p(start),
            end: p(end),
            prot,
            shared: false,
            backing: Backing::Image {
                name: name.to_string(),
                offset,
                dev: 0,
                ino: 0,
            },
            accounted: false,
        }
    }

    /// (start page, end page, prot) of every area.
    fn layout(set: &VmaSet) -> Vec<(u64, u64, Prot)> {
        set.iter()
            .map(|v| (v.start / PAGE, v.end / PAGE, v.prot))
            .collect()
    }

    fn check_invariants(set: &VmaSet) {
        let mut prev: Option<&Vma> = None;
        for (&k, v) in &set.areas {
            assert_eq!(k, v.start, "key matches start");
            assert!(v.start < v.end, "non-empty: {v:?}");
            if let Some(prev) = prev {
                assert!(prev.end <= v.start, "no overlap: {prev:?} {v:?}");
                assert!(!prev.can_merge_with(v), "left unmerged: {prev:?} {v:?}");
            }
            prev = Some(v);
        }
    }

    #[test]
    fn empty_set() {
        let set = VmaSet::new();
        assert_eq!(set.len(), 0);
        assert!(set.is_empty());
        assert!(set.find(0).is_none());
        assert!(!set.overlaps(0, u64::MAX));
        assert!(!set.is_fully_mapped(0, PAGE));
        assert!(set.is_fully_mapped(PAGE, PAGE));
        assert_eq!(set.find_gap_top_down(PAGE, 0, p(10), &[]), Some(p(9)));
    }

    #[test]
    fn find_and_overlaps() {
        let mut set = VmaSet::new();
        set.insert(anon(10, 20, R));
        set.insert(anon(30, 40, RW));
        assert!(set.find(p(10) - 1).is_none());
        assert_eq!(set.find(p(10)).map(|v| v.start), Some(p(10)));
        assert_eq!(set.find(p(20) - 1).map(|v| v.start), Some(p(10)));
        assert!(set.find(p(20)).is_none());
        assert_eq!(set.find(p(35)).map(|v| v.prot), Some(RW));
        assert!(set.find(u64::MAX).is_none());

        assert!(!set.overlaps(p(0), p(10)));
        assert!(set.overlaps(p(0), p(11)));
        assert!(set.overlaps(p(19), p(21)));
        assert!(!set.overlaps(p(20), p(30)));
        assert!(set.overlaps(p(21), p(100)));
        assert!(set.overlaps(p(12), p(13)));
        assert!(!set.overlaps(p(40), u64::MAX));
        assert!(!set.overlaps(p(15), p(15)));
        assert!(!set.overlaps(p(16), p(15)));

        assert!(set.is_fully_mapped(p(10), p(20)));
        assert!(set.is_fully_mapped(p(12), p(13)));
        assert!(!set.is_fully_mapped(p(10), p(21)));
        assert!(!set.is_fully_mapped(p(9), p(20)));
        assert!(!set.is_fully_mapped(p(15), p(35)));
        set.insert(anon(20, 30, X));
        assert!(set.is_fully_mapped(p(15), p(35)));
        assert!(set.is_fully_mapped(p(10), p(40)));
        assert!(!set.is_fully_mapped(p(10), p(41)));

        let hit: Vec<u64> = set.range(p(19), p(31)).map(|v| v.start / PAGE).collect();
        assert_eq!(hit, vec![10, 20, 30]);
        let hit: Vec<u64> = set.range(p(20), p(30)).map(|v| v.start / PAGE).collect();
        assert_eq!(hit, vec![20]);
        assert_eq!(set.range(p(5), p(5)).count(), 0);
        assert_eq!(set.range(p(40), p(50)).count(), 0);
    }

    #[test]
    fn insert_splits_both_edges_and_middle() {
        let mut set = VmaSet::new();
        set.insert(anon(10, 20, R));
        // Middle: splits into three.
        set.insert(anon(13, 15, RW));
        assert_eq!(layout(&set), vec![(10, 13, R), (13, 15, RW), (15, 20, R)]);
        // Left edge straddle.
        set.insert(anon(5, 11, X));
        assert_eq!(
            layout(&set),
            vec![(5, 11, X), (11, 13, R), (13, 15, RW), (15, 20, R)]
        );
        // Right edge straddle.
        set.insert(anon(18, 25, X));
        assert_eq!(
            layout(&set),
            vec![
                (5, 11, X),
                (11, 13, R),
                (13, 15, RW),
                (15, 18, R),
                (18, 25, X)
            ]
        );
        // Covering several areas entirely.
        set.insert(anon(12, 19, W));
        assert_eq!(
            layout(&set),
            vec![(5, 11, X), (11, 12, R), (12, 19, W), (19, 25, X)]
        );
        check_invariants(&set);
    }

    #[test]
    fn insert_merges_with_neighbours() {
        let mut set = VmaSet::new();
        set.insert(anon(0, 4, RW));
        set.insert(anon(8, 12, RW));
        set.insert(anon(4, 8, RW));
        assert_eq!(layout(&set), vec![(0, 12, RW)]);
        // Different backing kinds stay apart.
        set.insert(Vma {
            start: p(12),
            end: p(16),
            prot: RW,
            shared: false,
            backing: Backing::Heap,
            accounted: false,
        });
        assert_eq!(set.len(), 2);
        // Shared vs private stays apart.
        set.insert(Vma {
            start: p(16),
            end: p(20),
            prot: RW,
            shared: true,
            backing: Backing::Heap,
            accounted: false,
        });
        assert_eq!(set.len(), 3);
        check_invariants(&set);
    }

    #[test]
    fn empty_inputs_are_noops() {
        let mut set = VmaSet::new();
        set.insert(anon(10, 20, R));
        set.insert(anon(15, 15, RW));
        set.insert(Vma {
            start: p(18),
            end: p(12),
            prot: W,
            shared: false,
            backing: Backing::Anonymous,
            accounted: false,
        });
        assert_eq!(layout(&set), vec![(10, 20, R)]);
        assert!(set.remove(p(15), p(15)).is_empty());
        assert!(set.remove(p(16), p(12)).is_empty());
        assert_eq!(set.protect(p(15), p(15), W), Ok(()));
        assert_eq!(set.protect(p(30), p(30), W), Ok(()));
        assert_eq!(set.protect(p(16), p(12), W), Ok(()));
        assert_eq!(layout(&set), vec![(10, 20, R)]);
        assert!(set.is_free(p(15), p(15), &[]));
    }

    #[test]
    fn extreme_addresses_do_not_panic() {
        let mut set = VmaSet::new();
        let top = !(PAGE - 1);
        set.insert(Vma {
            start: top - p(4),
            end: top,
            prot: R,
            shared: false,
            backing: Backing::Stack,
            accounted: false,
        });
        assert!(set.find(top - 1).is_some());
        assert!(set.overlaps(0, u64::MAX));
        assert_eq!(set.protect(top - p(2), top, RW), Ok(()));
        assert_eq!(set.protect(top - p(2), u64::MAX, RW), Err(()));
        assert_eq!(
            set.find_gap_top_down(p(1), 0, u64::MAX, &[]),
            Some(top - p(5))
        );
        assert_eq!(set.find_gap_top_down(u64::MAX, 0, u64::MAX, &[]), None);
        assert_eq!(set.find_gap_top_down(p(1), p(5), p(2), &[]), None);
        set.insert(Vma {
            start: 0,
            end: p(2),
            prot: R,
            shared: false,
            backing: Backing::Image {
                name: "f".into(),
                offset: u64::MAX - 1,
                dev: 0,
                ino: 0,
            },
            accounted: false,
        });
        set.insert(anon(1, 2, RW));
        set.insert(Vma {
            start: p(1),
            end: p(2),
            prot: R,
            shared: false,
            backing: Backing::Image {
                name: "f".into(),
                offset: 0,
                dev: 0,
                ino: 0,
            },
            accounted: false,
        });
        assert_eq!(set.remove(0, u64::MAX).len(), 4);
        assert!(set.is_empty());
    }

    #[test]
    fn remove_splits_and_returns_pieces() {
        let mut set = VmaSet::new();
        set.insert(anon(10, 20, R));
        set.insert(anon(30, 40, RW));

        // Middle of one area.
        let removed = set.remove(p(12), p(14));
        assert_eq!(removed, vec![anon(12, 14, R)]);
        assert_eq!(layout(&set), vec![(10, 12, R), (14, 20, R), (30, 40, RW)]);

        // Across a hole, straddling both edges.
        let removed = set.remove(p(18), p(32));
        assert_eq!(removed, vec![anon(18, 20, R), anon(30, 32, RW)]);
        assert_eq!(layout(&set), vec![(10, 12, R), (14, 18, R), (32, 40, RW)]);

        // Left edge only.
        let removed = set.remove(p(5), p(11));
        assert_eq!(removed, vec![anon(10, 11, R)]);
        // Right edge only.
        let removed = set.remove(p(39), p(50));
        assert_eq!(removed, vec![anon(39, 40, RW)]);
        assert_eq!(layout(&set), vec![(11, 12, R), (14, 18, R), (32, 39, RW)]);

        // Only holes.
        assert!(set.remove(p(20), p(30)).is_empty());
        assert!(set.remove(p(12), p(14)).is_empty());
        assert_eq!(set.len(), 3);

        // Exact area.
        assert_eq!(set.remove(p(14), p(18)), vec![anon(14, 18, R)]);
        assert_eq!(layout(&set), vec![(11, 12, R), (32, 39, RW)]);
        check_invariants(&set);
    }

    #[test]
    fn protect_splits_edges_and_middle() {
        let mut set = VmaSet::new();
        set.insert(anon(10, 20, R));
        set.protect(p(13), p(15), RW).unwrap();
        assert_eq!(layout(&set), vec![(10, 13, R), (13, 15, RW), (15, 20, R)]);
        set.protect(p(10), p(11), X).unwrap();
        assert_eq!(
            layout(&set),
            vec![(10, 11, X), (11, 13, R), (13, 15, RW), (15, 20, R)]
        );
        set.protect(p(19), p(20), X).unwrap();
        assert_eq!(
            layout(&set),
            vec![
                (10, 11, X),
                (11, 13, R),
                (13, 15, RW),
                (15, 19, R),
                (19, 20, X)
            ]
        );
        // Spanning several areas merges into one.
        set.protect(p(11), p(19), W).unwrap();
        assert_eq!(layout(&set), vec![(10, 11, X), (11, 19, W), (19, 20, X)]);
        // Restore everything: what was once writable stays apart, as
        // Linux keeps it (VM_ACCOUNT).
        set.protect(p(10), p(20), R).unwrap();
        assert_eq!(layout(&set), vec![(10, 11, R), (11, 19, R), (19, 20, R)]);
        // Same protection: no change in shape.
        set.protect(p(12), p(14), R).unwrap();
        assert_eq!(layout(&set), vec![(10, 11, R), (11, 19, R), (19, 20, R)]);
        // Made writable, the ends join the middle for good.
        set.protect(p(10), p(20), RW).unwrap();
        set.protect(p(10), p(20), R).unwrap();
        assert_eq!(layout(&set), vec![(10, 20, R)]);
        check_invariants(&set);
    }

    #[test]
    fn once_writable_private_areas_stay_apart() {
        // A library as ld.so maps it: a read-only segment, then a writable
        // one whose first pages (RELRO) are made read-only after
        // relocation. Linux shows the RELRO pages as an area of their own.
        let mut set = VmaSet::new();
        set.insert(image(10, 20, R, "/lib/libc.so.6", 0));
        set.insert(image(20, 24, RW, "/lib/libc.so.6", p(10)));
        set.protect(p(20), p(22), R).unwrap();
        assert_eq!(layout(&set), vec![(10, 20, R), (20, 22, R), (22, 24, RW)]);
        assert_eq!(set.iter().map(|v| v.accounted).collect::<Vec<_>>(), [false, true, true]);
        // Shared areas are never accounted.
        let mut set = VmaSet::new();
        set.insert(Vma { shared: true, ..anon(0, 2, R) });
        set.insert(Vma { shared: true, accounted: false, ..anon(2, 4, RW) });
        set.protect(p(2), p(4), R).unwrap();
        assert_eq!(layout(&set), vec![(0, 4, R)]);
        // Accounted areas merge with each other.
        let mut set = VmaSet::new();
        set.insert(anon(0, 2, RW));
        set.insert(anon(2, 4, RW));
        set.protect(p(0), p(4), R).unwrap();
        assert_eq!(layout(&set), vec![(0, 4, R)]);
        check_invariants(&set);
    }

    #[test]
    fn protect_fails_on_holes_without_changes() {
        let mut set = VmaSet::new();
        set.insert(anon(10, 20, R));
        set.insert(anon(21, 30, R));
        let before: Vec<Vma> = set.iter().cloned().collect();
        assert_eq!(set.protect(p(15), p(25), RW), Err(()));
        assert_eq!(set.protect(p(5), p(12), RW), Err(()));
        assert_eq!(set.protect(p(28), p(31), RW), Err(()));
        assert_eq!(set.protect(p(20), p(21), RW), Err(()));
        assert_eq!(set.protect(p(40), p(50), RW), Err(()));
        let after: Vec<Vma> = set.iter().cloned().collect();
        assert_eq!(before, after);
        // Across two touching but unmergeable areas is fine.
        set.insert(anon(20, 21, X));
        assert_eq!(set.protect(p(15), p(25), RW), Ok(()));
        assert_eq!(layout(&set), vec![(10, 15, R), (15, 25, RW), (25, 30, R)]);
        check_invariants(&set);
    }

    #[test]
    fn protect_toggles_do_not_grow_the_set() {
        let mut set = VmaSet::new();
        set.insert(anon(0, 1000, RW));
        for i in 0..10_000u64 {
            let a = (i * 7919) % 1000;
            let b = a + 1 + (i % 13);
            let b = b.min(1000);
            set.protect(p(a), p(b), R).unwrap();
            set.protect(p(a), p(b), RW).unwrap();
            assert_eq!(set.len(), 1, "iteration {i}");
        }
        // Guard-page style toggles leave exactly the expected shape.
        set.protect(p(500), p(501), 0).unwrap();
        assert_eq!(
            layout(&set),
            vec![(0, 500, RW), (500, 501, 0), (501, 1000, RW)]
        );
        set.protect(p(500), p(501), RW).unwrap();
        assert_eq!(layout(&set), vec![(0, 1000, RW)]);
    }

    #[test]
    fn file_writers_are_counted_by_the_areas() {
        let w = Arc::new(Writers);
        let file = |start: u64, end: u64, offset: u64, writers: Option<Arc<Writers>>| Vma {
            start: p(start),
            end: p(end),
            prot: RW,
            shared: true,
            backing: Backing::File { name: "/tmp/f".into(), offset, object: FileObject { id: 9, dev: 1, ino: 5, writers } },
            accounted: false,
        };
        let mut set = VmaSet::new();
        assert!(!Writers::mapped(&w));
        set.insert(file(10, 20, p(1), Some(w.clone())));
        assert!(Writers::mapped(&w));
        set.protect(p(12), p(14), R).unwrap();
        assert_eq!(set.len(), 3);
        let offsets: Vec<u64> = set.iter().map(|v| *v.backing.clone().offset_mut().unwrap()).collect();
        assert_eq!(offsets, [p(1), p(3), p(5)], "splits keep the file offsets");
        let forked = set.clone();
        set.remove(p(10), p(20));
        assert!(Writers::mapped(&w), "the forked copy still maps the file");
        drop(forked);
        assert!(!Writers::mapped(&w), "no area holds the file any more");
        // A read-only shared mapping of the same file does not merge with
        // a writable one, nor do discontiguous offsets.
        set.insert(file(10, 12, 0, Some(w.clone())));
        set.insert(file(12, 14, p(2), None));
        set.insert(file(14, 16, p(9), None));
        assert_eq!(set.len(), 3);
        set.insert(file(16, 18, p(11), None));
        assert_eq!(set.len(), 3, "contiguous offsets of one object merge");
    }

    #[test]
    fn image_offsets_after_split_and_merge() {
        let mut set = VmaSet::new();
        set.insert(image(10, 20, R | X, "libc.so", 0x3000));
        set.protect(p(12), p(15), R).unwrap();
        let offs: Vec<(u64, u64)> = set
            .iter()
            .map(|v| match &v.backing {
                Backing::Image { offset, .. } => (v.start / PAGE, *offset),
                other => panic!("unexpected backing {other:?}"),
            })
            .collect();
        assert_eq!(
            offs,
            vec![(10, 0x3000), (12, 0x3000 + p(2)), (15, 0x3000 + p(5))]
        );
        // Toggling back merges into the original area.
        set.protect(p(12), p(15), R | X).unwrap();
        assert_eq!(
            set.iter().cloned().collect::<Vec<_>>(),
            vec![image(10, 20, R | X, "libc.so", 0x3000)]
        );

        // Removing the middle keeps the right piece's offset.
        let removed = set.remove(p(11), p(13));
        assert_eq!(
            removed,
            vec![image(11, 13, R | X, "libc.so", 0x3000 + p(1))]
        );
        assert_eq!(
            set.iter().cloned().collect::<Vec<_>>(),
            vec![
                image(10, 11, R | X, "libc.so", 0x3000),
                image(13, 20, R | X, "libc.so", 0x3000 + p(3))
            ]
        );
        // Re-inserting the same file slice merges all three.
        set.insert(image(11, 13, R | X, "libc.so", 0x3000 + p(1)));
        assert_eq!(
            set.iter().cloned().collect::<Vec<_>>(),
            vec![image(10, 20, R | X, "libc.so", 0x3000)]
        );

        // Non-contiguous offsets or different files do not merge.
        set.insert(image(20, 22, R | X, "libc.so", 0));
        set.insert(image(22, 24, R | X, "other.so", p(12)));
        assert_eq!(set.len(), 3);
        // Insert straddling an image area adjusts the surviving right piece.
        set.insert(anon(5, 12, RW));
        assert_eq!(
            set.find(p(12)).cloned(),
            Some(image(12, 20, R | X, "libc.so", 0x3000 + p(2)))
        );
        check_invariants(&set);
    }

    #[test]
    fn gap_search_basic_and_bounds() {
        let mut set = VmaSet::new();
        set.insert(anon(90, 100, R));
        set.insert(anon(80, 85, R));
        set.insert(anon(60, 78, R));
        // Directly below the top bound.
        assert_eq!(set.find_gap_top_down(p(5), p(0), p(110), &[]), Some(p(105)));
        assert_eq!(
            set.find_gap_top_down(p(10), p(0), p(110), &[]),
            Some(p(100))
        );
        // Exactly fitting gap between areas.
        assert_eq!(set.find_gap_top_down(p(5), p(0), p(100), &[]), Some(p(85)));
        // Too big for the 5-page gap and the 2-page gap: goes below 60.
        assert_eq!(set.find_gap_top_down(p(6), p(0), p(100), &[]), Some(p(54)));
        assert_eq!(set.find_gap_top_down(p(2), p(0), p(85), &[]), Some(p(78)));
        // Low bound: exactly reachable and just not.
        assert_eq!(set.find_gap_top_down(p(6), p(54), p(100), &[]), Some(p(54)));
        assert_eq!(set.find_gap_top_down(p(6), p(55), p(100), &[]), None);
        // High bound inside an area.
        assert_eq!(set.find_gap_top_down(p(1), p(0), p(95), &[]), Some(p(89)));
        // Window smaller than len.
        assert_eq!(set.find_gap_top_down(p(10), p(0), p(5), &[]), None);
        assert_eq!(set.find_gap_top_down(p(5), p(0), p(5), &[]), Some(0));
        assert_eq!(set.find_gap_top_down(0, p(0), p(5), &[]), None);
        // Unaligned high rounds the result down to a page.
        assert_eq!(
            set.find_gap_top_down(p(1), p(0), p(110) + 123, &[]),
            Some(p(109))
        );
    }

    #[test]
    fn gap_search_with_reserved_ranges() {
        let mut set = VmaSet::new();
        set.insert(anon(90, 100, R));
        let reserved = [p(100)..p(110), p(70)..p(85), p(50)..p(50), p(60)..p(55)];
        assert_eq!(
            set.find_gap_top_down(p(5), p(0), p(110), &reserved),
            Some(p(85))
        );
        assert_eq!(
            set.find_gap_top_down(p(6), p(0), p(110), &reserved),
            Some(p(64))
        );
        // Overlapping reserved ranges, given out of order.
        let reserved = [p(60)..p(66), p(40)..p(62), p(64)..p(70)];
        assert_eq!(
            set.find_gap_top_down(p(6), p(0), p(90), &reserved),
            Some(p(84))
        );
        assert_eq!(
            set.find_gap_top_down(p(21), p(0), p(90), &reserved),
            Some(p(19))
        );
        assert_eq!(set.find_gap_top_down(p(21), p(20), p(90), &reserved), None);

        assert!(set.is_free(p(85), p(90), &[]));
        assert!(!set.is_free(p(85), p(91), &[]));
        assert!(!set.is_free(p(80), p(85), &[p(84)..p(86), p(0)..p(0)]));
        assert!(set.is_free(p(80), p(85), &[p(85)..p(86), p(70)..p(80), p(82)..p(81)]));
    }

    #[test]
    fn many_areas_performance() {
        let mut set = VmaSet::new();
        // 10k one-page areas separated by one-page holes.
        let base = 1u64 << 32;
        for i in 0..10_000u64 {
            let start = base + p(2 * i);
            set.insert(Vma {
                start,
                end: start + PAGE,
                prot: R,
                shared: false,
                backing: Backing::Anonymous,
                accounted: false,
            });
        }
        assert_eq!(set.len(), 10_000);
        let top = base + p(20_000);
        let t = std::time::Instant::now();
        for _ in 0..100 {
            // Every hole is one page: a 2-page gap must be below all areas.
            assert_eq!(set.find_gap_top_down(p(2), 0, top, &[]), Some(base - p(2)));
            assert_eq!(
                set.find_gap_top_down(p(1), 0, top, &[]),
                Some(top - p(2) + PAGE)
            );
        }
        // A reserved range covering the bottom forces "no space".
        assert_eq!(
            set.find_gap_top_down(p(2), base - p(10), top, &[0..base, 0..0]),
            None
        );
        assert!(
            t.elapsed().as_secs() < 10,
            "gap search too slow: {:?}",
            t.elapsed()
        );

        // Filling the holes with the same kind merges everything.
        for i in 0..10_000u64 {
            let start = base + p(2 * i + 1);
            set.insert(Vma {
                start,
                end: start + PAGE,
                prot: R,
                shared: false,
                backing: Backing::Anonymous,
                accounted: false,
            });
        }
        assert_eq!(set.len(), 1);
        assert!(set.is_fully_mapped(base, top));
    }

    /// Tiny deterministic xorshift64 PRNG.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Per-page model state: prot, shared, backing with a per-page offset.
    type PageState = Option<(Prot, bool, Backing)>;

    fn page_state(v: &Vma, addr: u64) -> (Prot, bool, Backing) {
        let mut backing = v.backing.clone();
        if let Some(offset) = backing.offset_mut() {
            *offset += addr - v.start;
        }
        (v.prot, v.shared, backing)
    }

    fn random_vma(rng: &mut XorShift, pages: u64) -> Vma {
        let a = rng.below(pages + 1);
        let b = rng.below(pages + 1);
        let (start, end) = (a.min(b), a.max(b));
        let backing = match rng.below(6) {
            0 => Backing::Anonymous,
            1 => Backing::Heap,
            2 => Backing::SharedAnonymous { id: 7, offset: p(start) },
            5 => Backing::File {
                name: "f".into(),
                offset: p(start),
                object: FileObject { id: 3, dev: 1, ino: 2, writers: Some(Arc::new(Writers)) },
            },
            3 => Backing::Image {
                name: "a".into(),
                offset: p(rng.below(4)),
                dev: 0,
                ino: 0,
            },
            _ => Backing::Image {
                name: "b".into(),
                offset: p(start),
                dev: 0,
                ino: 0,
            },
        };
        Vma {
            start: p(start),
            end: p(end),
            prot: rng.below(3),
            shared: rng.below(4) == 0,
            backing,
            accounted: false,
        }
    }

    #[test]
    fn randomized_against_page_model() {
        const PAGES: u64 = 48;
        for seed in 1..=40u64 {
            let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut set = VmaSet::new();
            let mut model: Vec<PageState> = vec![None; PAGES as usize];
            for step in 0..400 {
                let op = rng.below(3);
                match op {
                    0 => {
                        let v = random_vma(&mut rng, PAGES);
                        for pg in v.start / PAGE..v.end / PAGE {
                            model[pg as usize] = Some(page_state(&v, p(pg)));
                        }
                        set.insert(v);
                    }
                    1 => {
                        let a = rng.below(PAGES + 1);
                        let b = rng.below(PAGES + 1);
                        let (s, e) = (a.min(b), a.max(b));
                        let removed = set.remove(p(s), p(e));
                        let mut removed_pages = 0;
                        for r in &removed {
                            assert!(
                                r.start >= p(s) && r.end <= p(e),
                                "removed piece outside range"
                            );
                            for pg in r.start / PAGE..r.end / PAGE {
                                assert_eq!(model[pg as usize], Some(page_state(r, p(pg))));
                                removed_pages += 1;
                            }
                        }
                        let mut expected_pages = 0;
                        for pg in s..e {
                            if model[pg as usize].take().is_some() {
                                expected_pages += 1;
                            }
                        }
                        assert_eq!(removed_pages, expected_pages);
                    }
                    _ => {
                        let a = rng.below(PAGES + 1);
                        let b = rng.below(PAGES + 1);
                        let (s, e) = (a.min(b), a.max(b));
                        let prot = rng.below(3);
                        let holes = (s..e).any(|pg| model[pg as usize].is_none());
                        let before: Vec<Vma> = set.iter().cloned().collect();
                        let result = set.protect(p(s), p(e), prot);
                        if holes {
                            assert_eq!(result, Err(()));
                            assert_eq!(before, set.iter().cloned().collect::<Vec<_>>());
                        } else {
                            assert_eq!(result, Ok(()));
                            for pg in s..e {
                                if let Some(state) = &mut model[pg as usize] {
                                    state.0 = prot;
                                }
                            }
                        }
                    }
                }
                check_invariants(&set);
                for pg in 0..PAGES {
                    let got = set.find(p(pg)).map(|v| page_state(v, p(pg)));
                    assert_eq!(
                        got, model[pg as usize],
                        "seed {seed} step {step} op {op} page {pg}"
                    );
                }
                assert!(set.find(p(PAGES)).is_none());

                // Cross-check the queries against the model.
                let a = rng.below(PAGES + 1);
                let b = rng.below(PAGES + 1);
                let (s, e) = (a.min(b), a.max(b));
                let any = (s..e).any(|pg| model[pg as usize].is_some());
                let all = (s..e).all(|pg| model[pg as usize].is_some());
                assert_eq!(set.overlaps(p(s), p(e)), any);
                assert_eq!(set.is_fully_mapped(p(s), p(e)), all);
                let in_range: Vec<u64> = set.range(p(s), p(e)).map(|v| v.start).collect();
                let expected: Vec<u64> = set
                    .iter()
                    .filter(|v| s < e && v.start < p(e) && p(s) < v.end)
                    .map(|v| v.start)
                    .collect();
                assert_eq!(in_range, expected);

                // Gap search against brute force.
                let len = 1 + rng.below(6);
                let low = rng.below(PAGES / 2);
                let high = PAGES / 2 + rng.below(PAGES / 2 + 8);
                let mut reserved = Vec::new();
                for _ in 0..rng.below(3) {
                    let a = rng.below(PAGES);
                    reserved.push(p(a)..p(a + rng.below(5)));
                }
                let blocked = |pg: u64| {
                    (pg < PAGES && model[pg as usize].is_some())
                        || reserved.iter().any(|r| r.start <= p(pg) && p(pg) < r.end)
                };
                let brute = (low..=high.saturating_sub(len))
                    .rev()
                    .find(|&st| st + len <= high && !(st..st + len).any(blocked))
                    .map(p);
                assert_eq!(
                    set.find_gap_top_down(p(len), p(low), p(high), &reserved),
                    brute,
                    "seed {seed} step {step} len {len} low {low} high {high} reserved {reserved:?}"
                );
                if let Some(st) = brute {
                    assert!(set.is_free(st, st + p(len), &reserved));
                }
                let free = !(s..e).any(blocked);
                assert_eq!(set.is_free(p(s), p(e), &reserved), free);
            }
        }
    }
}
