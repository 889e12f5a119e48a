//! When and where syscall sites are patched (the machine code is the
//! interposer's, see `interposer::patch`).
//!
//! A site is patched once it has trapped [`PATCH_AFTER`] times, so code
//! that runs a few times (start-up, a short-lived program) costs no
//! patching work; a site found unpatchable is never looked at again.
//! Patching a site is one round trip to the stub: the trampoline's chunk
//! mapped if needed, the trampoline and the jump written
//! ([`wire::op::POKE`](abi::wire::op::POKE)). (Patching at `execve` the
//! sites that proved hot in earlier runs of the same executable was tried
//! and measured slower: the copy-on-write of the code pages and the
//! protection changes cost more than the signals they saved.)
//! Trampolines live in 64 KiB chunks the sentry maps within a jump's reach
//! of the code (preferably just below it). The chunks are not part of the
//! app's map: to the app they are unmapped addresses it cannot touch, map
//! over or unmap.
//!
//! Not patched: fixed sites of calls whose entry must be a signal frame or
//! that create or replace threads and images (rt_sigreturn, clone, clone3,
//! fork, vfork, execve, execveat), and any site in a process with more than
//! one thread or in an address space that other running processes share
//! (`CLONE_VM`): rewriting code another thread may be executing needs care
//! not taken yet. (A vfork child may patch: its parent, if single-threaded,
//! runs nothing until the child execs or exits; see `Users::runs_alone`.
//! The patches stay in the parent's memory.) Generic sites (glibc's `syscall()`) carry any number;
//! none of those calls is implemented yet, and when they are, the sentry
//! will need to know which entry a call came by.

use std::collections::HashMap;
use std::ops::Range;

use abi::mm::{map, prot};
use abi::wire::TRAMPOLINE_SIZE;
use abi::{page_down, sysno};
use interposer::patch::{self, Site, JUMP_LEN, SITE_LEN};
use interposer::{Batch, Context};

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

/// The patching state of one address space.
#[derive(Default, Clone)]
pub(super) struct Patching {
    /// Traps seen per site (the address of its first byte): counting up
    /// to the patch, or [`UNPATCHABLE`].
    hits: HashMap<u64, u32>,
    /// Trampoline chunks and the bytes used in each.
    chunks: Vec<(Range<u64>, u64)>,
}

/// Counts a trap of system call `nr` whose `syscall` instruction ended at
/// `rip`, and patches the site once it proves hot.
pub(super) fn note_trap(st: &mut State, ctx: &mut Context, rip: u64, nr: u64) {
    let Ok(nr) = u32::try_from(nr) else { return };
    let Some(site) = rip.checked_sub(SITE_LEN as u64) else { return };
    if site < MMAP_MIN_ADDR {
        return;
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
    if !patchable(&code, nr) {
        return None;
    }
    // The whole site must be app code, in areas whose protection we know.
    let code_prot = st.vmas.find(site)?.prot;
    let last = st.vmas.find(site + SITE_LEN as u64 - 1)?.prot;
    if code_prot & prot::EXEC == 0 || last != code_prot {
        return None;
    }
    // One round trip: the chunk's mapping (first, if it is new), then the
    // trampoline and the jump.
    let mut batch = Batch::default();
    let (tramp, new_chunk) = trampoline_slot(st, &mut batch, site)?;
    let jump = patch::jump(site, tramp);
    let done = match jump {
        Some(jump) => {
            batch.poke(tramp, &patch::trampoline(&code, site + SITE_LEN as u64), prot::READ | prot::EXEC);
            batch.poke(site, &jump, code_prot);
            ctx.run_batch(&mut batch, None).unwrap_or(0)
        }
        None => 0,
    };
    if let Some(chunk) = new_chunk {
        if done == 0 || batch.ret(0) as u64 != chunk.start {
            st.patching.chunks.retain(|(r, _)| *r != chunk);
            st.blocked.retain(|r| *r != chunk);
        }
    }
    (jump.is_some() && done == batch.len()).then_some(())
}

/// Whether `code` is a site that may be patched for a trap of call `nr`.
fn patchable(code: &[u8; SITE_LEN], nr: u32) -> bool {
    match patch::site(code) {
        Some(Site::Fixed(n)) => !NEVER.contains(&n) && nr == n,
        Some(Site::Generic) => true,
        None => false,
    }
}

/// A free trampoline within reach of `site`: in a chunk already mapped,
/// or in a new one (returned too) whose mapping is added to `batch`.
fn trampoline_slot(st: &mut State, batch: &mut Batch, site: u64) -> Option<(u64, Option<Range<u64>>)> {
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
    batch.push(sysno::MMAP as u64, [start, CHUNK, prot::READ | prot::EXEC, flags, u64::MAX, 0]);
    st.patching.chunks.push((start..start + CHUNK, TRAMPOLINE_SIZE as u64));
    st.blocked.push(start..start + CHUNK);
    Some((start, Some(start..start + CHUNK)))
}

const _: () = assert!(JUMP_LEN < SITE_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_replayable_sites_of_the_trapped_call_are_patchable() {
        let fixed = |n: u8| [0xb8, n, 0, 0, 0, 0x0f, 0x05];
        assert!(patchable(&fixed(39), 39));
        assert!(!patchable(&fixed(39), 110));
        assert!(!patchable(&fixed(sysno::EXECVE as u8), sysno::EXECVE));
        assert!(patchable(&[0x4c, 0x8b, 0x4c, 0x24, 8, 0x0f, 0x05], 39));
        assert!(!patchable(&[0x90; SITE_LEN], 39));
    }
}
