//! When and where syscall sites are patched (the machine code is the
//! interposer's, see `interposer::patch`).
//!
//! A site is patched once it has trapped [`PATCH_AFTER`] times, so code
//! that runs a few times (start-up, a short-lived program) costs no
//! patching work; a site found unpatchable is never looked at again. Trampolines live in 64 KiB chunks the
//! sentry maps within a jump's reach of the code (preferably just below
//! it). The chunks are not part of the app's map: to the app they are
//! unmapped addresses it cannot touch, map over or unmap.
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
use abi::wire::TRAMPOLINE_SIZE;
use abi::{page_down, sysno, PAGE_SIZE};
use interposer::patch::{self, Site, JUMP_LEN, SITE_LEN};
use interposer::Context;

use super::{host, State, MMAP_MIN_ADDR, TASK_SIZE};

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
    match patch::site(&code)? {
        Site::Fixed(n) if n != nr || NEVER.contains(&n) => return None,
        _ => {}
    }
    // The whole site must be app code, in areas whose protection we know.
    let code_prot = st.vmas.find(site)?.prot;
    let last = st.vmas.find(site + SITE_LEN as u64 - 1)?.prot;
    if code_prot & prot::EXEC == 0 || last != code_prot {
        return None;
    }
    let tramp = trampoline_slot(st, ctx, site)?;
    let jump = patch::jump(site, tramp)?;
    write_protected(ctx, tramp, &patch::trampoline(&code, site + SITE_LEN as u64), prot::READ | prot::EXEC)?;
    write_protected(ctx, site, &jump, code_prot)
}

/// A free trampoline within reach of `site`, mapping a new chunk if needed.
fn trampoline_slot(st: &mut State, ctx: &mut Context, site: u64) -> Option<u64> {
    let reachable = |r: &Range<u64>| r.start.abs_diff(site) < REACH && r.end.abs_diff(site) < REACH;
    if let Some((r, used)) = st.patching.chunks.iter_mut().find(|(r, used)| reachable(r) && *used + TRAMPOLINE_SIZE as u64 <= r.end - r.start) {
        let at = r.start + *used;
        *used += TRAMPOLINE_SIZE as u64;
        return Some(at);
    }
    let low = site.saturating_sub(REACH).max(MMAP_MIN_ADDR);
    let high = site.saturating_add(REACH).min(TASK_SIZE);
    // Prefer the space just below the code; else anywhere in reach.
    let start = st
        .vmas
        .find_gap_top_down(CHUNK, low, page_down(site), &st.blocked)
        .or_else(|| st.vmas.find_gap_top_down(CHUNK, low, high, &st.blocked))?;
    let flags = map::PRIVATE | map::ANONYMOUS | map::FIXED;
    let got = host(ctx.host_op(sysno::MMAP as u64, [start, CHUNK, prot::READ | prot::EXEC, flags, u64::MAX, 0])).ok()?;
    if got != start {
        return None;
    }
    st.patching.chunks.push((start..start + CHUNK, TRAMPOLINE_SIZE as u64));
    st.blocked.push(start..start + CHUNK);
    Some(start)
}

/// Writes `data` over code at `addr` whose pages have protection `p`:
/// made writable for the write, then restored.
fn write_protected(ctx: &mut Context, addr: u64, data: &[u8], p: u64) -> Option<()> {
    let start = page_down(addr);
    let len = page_down(addr + data.len() as u64 - 1) + PAGE_SIZE - start;
    host(ctx.host_op(sysno::MPROTECT as u64, [start, len, p | prot::WRITE, 0, 0, 0])).ok()?;
    let written = ctx.space().write(addr, data);
    host(ctx.host_op(sysno::MPROTECT as u64, [start, len, p, 0, 0, 0])).ok()?;
    written.ok()
}

const _: () = assert!(JUMP_LEN < SITE_LEN);
