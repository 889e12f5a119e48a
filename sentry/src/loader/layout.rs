//! Where a new image goes: Linux's x86_64 layout of a fresh address space
//! and its randomisation, with the sandbox's own top of user memory
//! ([`STACK_TOP`], below the stub's ranges).
//!
//! As `load_elf_binary` and `arch_pick_mmap_layout` place things:
//! - the stack's top is [`STACK_TOP`], less up to 16 GiB (22 bits of
//!   pages) when randomised;
//! - the top of the mmap area lies below the stack by the stack limit plus
//!   the guard gap (and, when randomised, the room the stack's own
//!   randomisation may take), at least 128 MiB and at most five sixths of
//!   the address space, less up to 1 TiB (28 bits of pages) when
//!   randomised; mappings placed by address go top-down from there;
//! - a position-independent program that names an interpreter, or whose
//!   segments ask for more than page alignment, goes to `ELF_ET_DYN_BASE`
//!   ([`PIE_BASE`]) plus the mmap randomisation, aligned to its segments;
//!   any other one (a static PIE, or `ld.so` run as a program) goes
//!   top-down in the mmap area, as `mmap` would place it;
//! - the interpreter, then the vDSO, go top-down in the mmap area;
//! - the heap starts after the program's data, moved up by up to 32 MiB
//!   when randomised; for a position-independent program without an
//!   interpreter, at `ELF_ET_DYN_BASE` (so that `ld.so` run as a program
//!   keeps its heap apart from the libraries it maps).
//!
//! `personality(ADDR_NO_RANDOMIZE)` makes every random part zero.

use abi::{page_down, PAGE_SIZE};

use crate::mm::{PIE_BASE, STACK_TOP};

/// Pages of stack-top randomisation (`STACK_RND_MASK`).
const STACK_RND_PAGES: u64 = 0x3f_ffff;
/// Bits of mmap-base and PIE randomisation (`mmap_rnd_bits`), in pages.
const MMAP_RND_BITS: u32 = 28;
/// Bytes of heap-start randomisation (`arch_randomize_brk`).
const BRK_RND: u64 = 32 << 20;
/// The gap kept below the stack (`stack_guard_gap`).
const STACK_GUARD_GAP: u64 = 256 * PAGE_SIZE;
/// The least gap between the stack top and the mmap area.
const GAP_MIN: u64 = 128 << 20;

/// The places of a new address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Whether the parts are randomised.
    randomize: bool,
    /// The initial stack's top.
    pub stack_top: u64,
    /// The top of the mmap area.
    pub mmap_base: u64,
}

/// `bits` random bits, as a count of pages, in bytes.
fn random_pages(bits: u32) -> u64 {
    let mut b = [0u8; 8];
    // Without entropy (never on Linux) the layout is merely predictable.
    let _ = getrandom::fill(&mut b);
    (u64::from_ne_bytes(b) & ((1 << bits) - 1)) * PAGE_SIZE
}

impl Layout {
    /// A fresh layout for a process whose stack limit is `stack_limit`,
    /// randomised unless `randomize` is false.
    pub fn new(randomize: bool, stack_limit: u64) -> Layout {
        let rnd = |bits| if randomize { random_pages(bits) } else { 0 };
        let stack_top = STACK_TOP - rnd(22).min(STACK_RND_PAGES * PAGE_SIZE);
        let pad = if randomize { STACK_RND_PAGES * PAGE_SIZE } else { 0 } + STACK_GUARD_GAP;
        let gap = stack_limit.saturating_add(pad).clamp(GAP_MIN, STACK_TOP / 6 * 5);
        let mmap_base = page_down(STACK_TOP - gap - rnd(MMAP_RND_BITS));
        Layout { randomize, stack_top, mmap_base }
    }

    /// The load bias of a position-independent program placed at
    /// `ELF_ET_DYN_BASE` whose lowest segment starts at `min_vaddr` and
    /// whose segments ask for `align`.
    pub fn pie_bias(&self, min_vaddr: u64, align: u64) -> u64 {
        let base = PIE_BASE + if self.randomize { random_pages(MMAP_RND_BITS) } else { 0 };
        page_down((base & !(align.max(PAGE_SIZE) - 1)).wrapping_sub(min_vaddr))
    }

    /// Where the heap starts, given `start` (the page after the program's
    /// data, or `ELF_ET_DYN_BASE` for a program without interpreter that
    /// was placed in the mmap area).
    pub fn brk_start(&self, start: u64) -> u64 {
        if self.randomize {
            start + random_pages(BRK_RND.trailing_zeros() - PAGE_SIZE.trailing_zeros())
        } else {
            start
        }
    }
}

/// Places areas top-down below a moving top, as `mmap` without an address
/// places them in a fresh address space, skipping the program.
pub struct TopDown {
    top: u64,
    avoid: std::ops::Range<u64>,
}

impl TopDown {
    /// Places below `top`.
    pub fn new(top: u64) -> TopDown {
        TopDown { top, avoid: 0..0 }
    }

    /// Never places over `range` (where the program went).
    pub fn avoid(&mut self, range: std::ops::Range<u64>) {
        self.avoid = range;
    }

    /// The start of `len` bytes aligned to `align`, placed below the last;
    /// `None` when no room is left.
    pub fn place(&mut self, len: u64, align: u64) -> Option<u64> {
        let align = align.max(PAGE_SIZE);
        let mut start = self.top.checked_sub(len)? & !(align - 1);
        if start < self.avoid.end && self.avoid.start < start + len {
            start = self.avoid.start.checked_sub(len)? & !(align - 1);
        }
        if start < crate::mm::MMAP_MIN_ADDR {
            return None;
        }
        self.top = start;
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_randomisation_the_places_are_linuxs() {
        let l = Layout::new(false, 8 << 20);
        assert_eq!(l.stack_top, STACK_TOP);
        assert_eq!(l.mmap_base, STACK_TOP - GAP_MIN, "an 8 MiB stack keeps the least gap");
        assert_eq!(l.pie_bias(0, PAGE_SIZE), 0x5555_5555_4000);
        assert_eq!(l.brk_start(0x60_0000), 0x60_0000);
        let big = Layout::new(false, 1 << 40);
        assert_eq!(big.mmap_base, page_down(STACK_TOP - (1 << 40) - STACK_GUARD_GAP));
    }

    #[test]
    fn randomised_places_stay_in_their_ranges() {
        for _ in 0..32 {
            let l = Layout::new(true, 8 << 20);
            assert!(l.stack_top <= STACK_TOP && l.stack_top > STACK_TOP - (16 << 30));
            assert!(l.mmap_base < STACK_TOP - (16 << 30) && l.mmap_base > STACK_TOP - (1 << 41));
            assert_eq!(l.mmap_base % PAGE_SIZE, 0);
            let bias = l.pie_bias(0, 0x20_0000);
            assert_eq!(bias % 0x20_0000, 0);
            assert!((0x5555_5540_0000..PIE_BASE + (1 << 40)).contains(&bias));
            let brk = l.brk_start(0x60_0000);
            assert!((0x60_0000..0x60_0000 + BRK_RND).contains(&brk) && brk.is_multiple_of(PAGE_SIZE));
        }
    }

    #[test]
    fn top_down_skips_the_program() {
        let mut t = TopDown::new(0x10_0000_0000);
        t.avoid(0xf_f000_0000..0xf_ffff_0000);
        assert_eq!(t.place(0x1000, PAGE_SIZE), Some(0xf_ffff_f000));
        assert_eq!(t.place(0x2_0000, PAGE_SIZE), Some(0xf_effe_0000), "below the program, which it would overlap");
        assert_eq!(t.place(1 << 40, PAGE_SIZE), None);
    }
}
