//! When and where syscall sites are patched (the machine code is the
//! interposer's, see `interposer::patch`).
//!
//! A site is patched once it has trapped [`PATCH_AFTER`] times, so code
//! that runs a few times costs no patching work; a site found unpatchable
//! is never looked at again. Traps are also counted kernel-wide per site of
//! each executable file ([`HotSites`]): the start-up of a program run over
//! and over (a shell script's applets) traps a few times per process, and
//! once its sites have proved hot across processes, `execve` patches them
//! while it maps the image, in the same round trip to the stub. Patching a
//! site is one round trip too: the trampoline's chunk mapped if needed, the
//! trampoline and the jump written ([`wire::op::POKE`](abi::wire::op::POKE)).
//! Trampolines live in 64 KiB chunks the sentry maps within a jump's reach
//! of the code (preferably just below it). The chunks are not part of the
//! app's map: to the app they are unmapped addresses it cannot touch, map
//! over or unmap.
//!
//! Not patched: fixed sites of calls whose entry must be a signal frame or
//! that create or replace threads and images (rt_sigreturn, clone, clone3,
//! fork, vfork, execve, execveat), and any site in a process with more than
//! one thread (rewriting code another thread may be executing needs care
//! not taken yet). Generic sites (glibc's `syscall()`) carry any number;
//! none of those calls is implemented yet, and when they are, the sentry
//! will need to know which entry a call came by.

use std::collections::HashMap;
use std::ops::Range;

use abi::mm::{map, prot};
use abi::wire::op::POKE_AS_IS;
use abi::wire::TRAMPOLINE_SIZE;
use abi::{page_down, sysno};
use interposer::patch::{self, Site, JUMP_LEN, SITE_LEN};
use interposer::{Batch, Context};
use parking_lot::Mutex;

use super::{State, MMAP_MIN_ADDR, TASK_SIZE};

/// Bytes of address space taken for trampolines at a time.
const CHUNK: u64 = 64 * 1024;
/// How far a `jmp rel32` reaches, with room for a chunk.
const REACH: u64 = (1 << 31) - CHUNK;
/// Traps a site takes before it is patched: enough that code run a few
/// times (start-up, a short-lived program) is not worth the patching, few
/// enough that a hot loop is patched almost at once.
const PATCH_AFTER: u32 = 8;
/// The trap count of a site that cannot be patched.
const UNPATCHABLE: u32 = u32::MAX;
/// Calls never patched.
const NEVER: &[u32] = &[sysno::RT_SIGRETURN, sysno::CLONE, sysno::CLONE3, sysno::FORK, sysno::VFORK, sysno::EXECVE, sysno::EXECVEAT];

/// Executables whose sites [`HotSites`] follows at once; past that, the
/// one followed longest is forgotten for a new one.
const MAX_IMAGES: usize = 64;
/// Sites followed per executable.
const MAX_SITES: usize = 4096;

/// Which executable file an image came from: its host identity, so that a
/// file changed in place counts as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageKey {
    /// Host device and inode.
    pub dev: u64,
    /// See `dev`.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds.
    pub mtime_ns: i128,
}

/// Traps per site of one executable: site file offset -> count.
type SiteTraps = HashMap<u64, u32>;

/// Traps per syscall site of each executable, over every process of the
/// kernel, and the order in which the executables were first seen.
#[derive(Default)]
pub struct HotSites {
    images: Mutex<(HashMap<ImageKey, SiteTraps>, std::collections::VecDeque<ImageKey>)>,
}

impl HotSites {
    /// Counts a trap at file offset `site` of executable `key`.
    fn count(&self, key: ImageKey, site: u64) {
        let mut g = self.images.lock();
        let (images, order) = &mut *g;
        if !images.contains_key(&key) {
            if images.len() >= MAX_IMAGES {
                if let Some(old) = order.pop_front() {
                    images.remove(&old);
                }
            }
            order.push_back(key);
        }
        let sites = images.entry(key).or_default();
        if sites.len() < MAX_SITES || sites.contains_key(&site) {
            let n = sites.entry(site).or_insert(0);
            *n = n.saturating_add(1);
        }
    }

    /// The file offsets of executable `key`'s sites that have trapped
    /// often enough to be patched on sight.
    pub fn hot(&self, key: ImageKey) -> Vec<u64> {
        let g = self.images.lock();
        g.0.get(&key).map(|sites| sites.iter().filter(|&(_, &n)| n >= PATCH_AFTER).map(|(&off, _)| off).collect()).unwrap_or_default()
    }
}

/// Where an address space's program came from: its executable and the
/// areas mapped from its code (start address -> file offset).
#[derive(Clone)]
struct ImageCode {
    key: ImageKey,
    code: Vec<(Range<u64>, u64)>,
}

/// The patching state of one address space.
#[derive(Default, Clone)]
pub(super) struct Patching {
    /// Traps seen per site (the address of its first byte): counting up
    /// to the patch, or [`UNPATCHABLE`].
    hits: HashMap<u64, u32>,
    /// Trampoline chunks and the bytes used in each.
    chunks: Vec<(Range<u64>, u64)>,
    /// The program's executable, when its sites are followed kernel-wide.
    image: Option<ImageCode>,
}

impl Patching {
    /// Follows the sites of executable `key`, whose code is mapped at
    /// `code` (address range, file offset of its start).
    pub(super) fn set_image(&mut self, key: ImageKey, code: Vec<(Range<u64>, u64)>) {
        self.image = Some(ImageCode { key, code });
    }

    /// The executable and file offset of the site at `addr`, if it is in
    /// the program's code.
    fn file_site(&self, addr: u64) -> Option<(ImageKey, u64)> {
        let img = self.image.as_ref()?;
        let (r, off) = img.code.iter().find(|(r, _)| r.contains(&addr))?;
        Some((img.key, off + (addr - r.start)))
    }
}

/// A site to patch as the image is mapped: its address and its code.
pub struct HotSite {
    /// The address of the site's first byte.
    pub addr: u64,
    /// The site's bytes, read from the executable.
    pub code: [u8; SITE_LEN],
}

/// Counts a trap of system call `nr` whose `syscall` instruction ended at
/// `rip`, and patches the site once it proves hot.
pub(super) fn note_trap(st: &mut State, ctx: &mut Context, rip: u64, nr: u64, hot: &HotSites) {
    let Ok(nr) = u32::try_from(nr) else { return };
    let Some(site) = rip.checked_sub(SITE_LEN as u64) else { return };
    if site < MMAP_MIN_ADDR {
        return;
    }
    if let Some((key, off)) = st.patching.file_site(site) {
        hot.count(key, off);
    }
    let hits = st.patching.hits.entry(site).or_insert(0);
    if *hits == UNPATCHABLE {
        return;
    }
    *hits += 1;
    if *hits < PATCH_AFTER {
        return;
    }
    // Patched sites trap no more (unless entered at the `syscall` itself,
    // which is then best left alone too).
    st.patching.hits.insert(site, UNPATCHABLE);
    match patch_site(st, ctx, site, nr) {
        Some(()) => log::debug!("patched the syscall site at {site:#x} (last call: {nr})"),
        None => log::debug!("the syscall site at {site:#x} cannot be patched"),
    }
}

fn patch_site(st: &mut State, ctx: &mut Context, site: u64, nr: u32) -> Option<()> {
    let mut code = [0u8; SITE_LEN];
    ctx.space().read(site, &mut code).ok()?;
    if !patchable(&code, Some(nr)) {
        return None;
    }
    let mut batch = Batch::default();
    let planned = plan(st, &mut batch, site, &code, Writes::Protected)?;
    let done = ctx.run_batch(&mut batch, None).unwrap_or(0);
    settle(st, &batch, done, &[planned]).into_iter().next().flatten()
}

/// Whether `code` is a site that may be patched (for a trap of call `nr`,
/// when known).
fn patchable(code: &[u8; SITE_LEN], nr: Option<u32>) -> bool {
    match patch::site(code) {
        Some(Site::Fixed(n)) => !NEVER.contains(&n) && nr.is_none_or(|nr| nr == n),
        Some(Site::Generic) => true,
        None => false,
    }
}

/// A trampoline chunk mapped by a batch: its `mmap`'s index there, and
/// the chunk.
type NewChunk = (usize, Range<u64>);

/// What [`plan`] added to a batch for one site.
pub(super) struct Planned {
    site: u64,
    /// The index of the jump's write, the site's last operation.
    jump: usize,
    /// A chunk mapped for it: the index of its `mmap`, and the chunk.
    chunk: Option<NewChunk>,
}

/// The most areas of a new image's code that may be opened for writing
/// patches at load (each needs an `mprotect` after).
pub(super) const MAX_OPENED: usize = 4;

/// How a batch writes patches.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Writes {
    /// Each write makes its pages writable and restores them (code that
    /// may be running).
    Protected,
    /// The code is mapped writable already, and new chunks are mapped
    /// writable; the caller restores both afterwards (a new image, whose
    /// code nothing runs yet: two `mprotect`s in all, not two per write,
    /// each of which may cost the host a TLB shootdown).
    Open,
}

/// Adds the patching of `site` (whose bytes are `code`) to `batch`, if it
/// lies in app code whose protection the map knows and fits the batch.
pub(super) fn plan(st: &mut State, batch: &mut Batch, site: u64, code: &[u8; SITE_LEN], writes: Writes) -> Option<Planned> {
    // The whole site must be app code, in areas whose protection we know.
    let code_prot = st.vmas.find(site)?.prot;
    let last = st.vmas.find(site + SITE_LEN as u64 - 1)?.prot;
    if code_prot & prot::EXEC == 0 || last != code_prot {
        return None;
    }
    let (tramp, chunk) = trampoline_slot(st, batch, site, writes)?;
    let jump = patch::jump(site, tramp)?;
    let (tramp_prot, code_prot) = match writes {
        Writes::Protected => (prot::READ | prot::EXEC, code_prot),
        Writes::Open => (POKE_AS_IS, POKE_AS_IS),
    };
    batch.poke(tramp, &patch::trampoline(code, site + SITE_LEN as u64), tramp_prot);
    let jump = batch.poke(site, &jump, code_prot);
    Some(Planned { site, jump, chunk })
}

/// After `batch` ran with its first `done` operations succeeding: which of
/// the `planned` sites are patched now (their address), and forgets the
/// chunks that could not be mapped. Every planned site is left alone from
/// now on, patched or not.
pub(super) fn settle(st: &mut State, batch: &Batch, done: usize, planned: &[Planned]) -> Vec<Option<()>> {
    planned
        .iter()
        .map(|p| {
            st.patching.hits.insert(p.site, UNPATCHABLE);
            if let Some((i, chunk)) = &p.chunk {
                if *i >= done || batch.ret(*i) as u64 != chunk.start {
                    st.patching.chunks.retain(|(r, _)| r != chunk);
                    st.blocked.retain(|r| r != chunk);
                }
            }
            (p.jump < done).then_some(())
        })
        .collect()
}

/// Patches the hot sites of a new image in `batch` (which maps it, its
/// code writable: [`Writes::Open`]): those that are patchable and fit.
/// Returns what was planned, for [`settle`], and the new chunks, to be
/// made read-only and executable once written.
pub(super) fn plan_hot(st: &mut State, batch: &mut Batch, sites: &[HotSite]) -> (Vec<Planned>, Vec<Range<u64>>) {
    // A site's writes, a chunk's mapping and its later mprotect, at most,
    // with room kept for the image code's mprotects.
    const ROOM_OPS: usize = 4;
    const ROOM_BYTES: usize = TRAMPOLINE_SIZE + JUMP_LEN;
    let mut planned = Vec::new();
    for s in sites {
        if !batch.has_room(ROOM_OPS + MAX_OPENED, ROOM_BYTES) {
            break;
        }
        if st.patching.hits.get(&s.addr) == Some(&UNPATCHABLE) || !patchable(&s.code, None) {
            continue;
        }
        planned.extend(plan(st, batch, s.addr, &s.code, Writes::Open));
    }
    let chunks = planned.iter().filter_map(|p| p.chunk.as_ref().map(|(_, c)| c.clone())).collect();
    (planned, chunks)
}

/// A free trampoline within reach of `site`: in a chunk already mapped,
/// or in a new one whose mapping is added to `batch` (returned with it).
fn trampoline_slot(st: &mut State, batch: &mut Batch, site: u64, writes: Writes) -> Option<(u64, Option<NewChunk>)> {
    let reachable = |r: &Range<u64>| r.start.abs_diff(site) < REACH && r.end.abs_diff(site) < REACH;
    if let Some((r, used)) = st.patching.chunks.iter_mut().find(|(r, used)| reachable(r) && *used + TRAMPOLINE_SIZE as u64 <= r.end - r.start) {
        let at = r.start + *used;
        *used += TRAMPOLINE_SIZE as u64;
        return Some((at, None));
    }
    let low = site.saturating_sub(REACH).max(MMAP_MIN_ADDR);
    let high = site.saturating_add(REACH).min(TASK_SIZE);
    // Prefer the space just below the code; else anywhere in reach.
    let start = st
        .vmas
        .find_gap_top_down(CHUNK, low, page_down(site), &st.blocked)
        .or_else(|| st.vmas.find_gap_top_down(CHUNK, low, high, &st.blocked))?;
    let flags = map::PRIVATE | map::ANONYMOUS | map::FIXED;
    let p = if writes == Writes::Open { prot::READ | prot::WRITE } else { prot::READ | prot::EXEC };
    let i = batch.push(sysno::MMAP as u64, [start, CHUNK, p, flags, u64::MAX, 0]);
    st.patching.chunks.push((start..start + CHUNK, TRAMPOLINE_SIZE as u64));
    st.blocked.push(start..start + CHUNK);
    Some((start, Some((i, start..start + CHUNK))))
}

const _: () = assert!(JUMP_LEN < SITE_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ino: u64) -> ImageKey {
        ImageKey { dev: 1, ino, size: 100, mtime_ns: 5 }
    }

    #[test]
    fn a_site_turns_hot_after_enough_traps_across_processes() {
        let hot = HotSites::default();
        for _ in 1..PATCH_AFTER {
            hot.count(key(1), 0x1234);
        }
        hot.count(key(1), 0x99);
        assert!(hot.hot(key(1)).is_empty());
        hot.count(key(1), 0x1234);
        assert_eq!(hot.hot(key(1)), vec![0x1234]);
        // Another file (or the same one changed) starts afresh.
        assert!(hot.hot(ImageKey { mtime_ns: 6, ..key(1) }).is_empty());
    }

    #[test]
    fn the_oldest_image_is_forgotten_past_the_limit() {
        let hot = HotSites::default();
        for ino in 0..=MAX_IMAGES as u64 {
            for _ in 0..PATCH_AFTER {
                hot.count(key(ino), 8);
            }
        }
        assert!(hot.hot(key(0)).is_empty());
        assert_eq!(hot.hot(key(MAX_IMAGES as u64)), vec![8]);
        assert_eq!(hot.images.lock().0.len(), MAX_IMAGES);
    }

    #[test]
    fn only_replayable_sites_of_allowed_calls_are_patchable() {
        let fixed = |n: u8| [0xb8, n, 0, 0, 0, 0x0f, 0x05];
        assert!(patchable(&fixed(39), None));
        assert!(patchable(&fixed(39), Some(39)));
        assert!(!patchable(&fixed(39), Some(110)));
        assert!(!patchable(&fixed(sysno::EXECVE as u8), None));
        assert!(patchable(&[0x4c, 0x8b, 0x4c, 0x24, 8, 0x0f, 0x05], None));
        assert!(!patchable(&[0x90; SITE_LEN], None));
    }
}
