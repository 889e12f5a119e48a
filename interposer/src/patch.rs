//! Syscall-site patching: the machine code that lets a patched `syscall`
//! site enter the stub with a plain jump instead of a `SIGSYS`.
//!
//! A site is a `syscall` instruction preceded by a 5-byte instruction the
//! trampoline can replay anywhere: `mov $nr, %eax` (`b8 imm32`, how libcs
//! make fixed calls) or `mov disp8(%rsp), %r9` (`4c 8b 4c 24 disp8`, the
//! last step of glibc's generic `syscall()`). Patching replaces only that
//! instruction with `jmp rel32` to a trampoline of its own, and leaves the
//! `syscall` in place, so code that jumps straight to the `syscall`
//! instruction still traps as before. The trampoline replays the
//! instruction, steps over the red zone, and jumps to the stub's fast entry
//! with the return address in `rcx` (which `syscall` clobbers anyway):
//!
//! ```text
//!   <the replaced instruction>
//!   lea    -128(%rsp), %rsp
//!   movabs $site_end, %rcx
//!   movabs $stub_fast_entry, %r11
//!   jmp    *%r11
//! ```
//!
//! Where trampolines live, and when a site is worth patching, is the
//! sentry's decision: it owns the address space's map.

use abi::wire::TRAMPOLINE_SIZE;

use crate::stub_image;

/// Bytes of a patchable site: `mov $imm32, %eax` then `syscall`.
pub const SITE_LEN: usize = 7;
/// Bytes the patch writes at the start of a site (`jmp rel32`).
pub const JUMP_LEN: usize = 5;

/// What a patchable site looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `mov $nr, %eax; syscall`: always system call `nr`.
    Fixed(u32),
    /// A replayable instruction then `syscall`: the number is in `rax`.
    Generic,
}

/// Whether `code` (the 7 bytes ending with a `syscall`) is a patchable
/// site, and which kind.
pub fn site(code: &[u8; SITE_LEN]) -> Option<Site> {
    if code[5..] != [0x0f, 0x05] {
        return None;
    }
    match code[..5] {
        [0xb8, a, b, c, d] => Some(Site::Fixed(u32::from_le_bytes([a, b, c, d]))),
        [0x4c, 0x8b, 0x4c, 0x24, _] => Some(Site::Generic),
        _ => None,
    }
}

/// A `jmp rel32` at `from` to `to`, if `to` is within reach.
pub fn jump(from: u64, to: u64) -> Option<[u8; JUMP_LEN]> {
    let rel = (to as i64).wrapping_sub(from as i64 + JUMP_LEN as i64);
    let rel = i32::try_from(rel).ok()?;
    let mut j = [0xe9, 0, 0, 0, 0];
    j[1..].copy_from_slice(&rel.to_le_bytes());
    Some(j)
}

/// The trampoline of a site: `code` is the site as it was (its first
/// five bytes are replayed), and its `syscall` instruction ends at
/// `site_end`.
pub fn trampoline(code: &[u8; SITE_LEN], site_end: u64) -> [u8; TRAMPOLINE_SIZE] {
    let mut t = [0xcc; TRAMPOLINE_SIZE];
    let mut code = code[..JUMP_LEN].to_vec();
    code.extend_from_slice(&[0x48, 0x8d, 0x64, 0x24, 0x80]);
    code.extend_from_slice(&[0x48, 0xb9]);
    code.extend_from_slice(&site_end.to_le_bytes());
    code.extend_from_slice(&[0x49, 0xbb]);
    code.extend_from_slice(&stub_image::fast_entry().to_le_bytes());
    code.extend_from_slice(&[0x41, 0xff, 0xe3]);
    t[..code.len()].copy_from_slice(&code);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_replayable_sites() {
        assert_eq!(site(&[0xb8, 39, 0, 0, 0, 0x0f, 0x05]), Some(Site::Fixed(39)));
        assert_eq!(site(&[0x4c, 0x8b, 0x4c, 0x24, 8, 0x0f, 0x05]), Some(Site::Generic));
        assert_eq!(site(&[0xb9, 39, 0, 0, 0, 0x0f, 0x05]), None);
        assert_eq!(site(&[0xb8, 39, 0, 0, 0, 0x0f, 0x34]), None);
    }

    #[test]
    fn jumps_encode_rel32_and_refuse_far_targets() {
        assert_eq!(jump(0x1000, 0x1005), Some([0xe9, 0, 0, 0, 0]));
        assert_eq!(jump(0x1000, 0x1000), Some([0xe9, 0xfb, 0xff, 0xff, 0xff]));
        assert_eq!(jump(0x1000, 0x1000 + (1 << 32)), None);
    }

    #[test]
    fn trampoline_fits_and_ends_in_traps() {
        let t = trampoline(&[0xb8, 39, 0, 0, 0, 0x0f, 0x05], 0x401234);
        assert_eq!(&t[..5], &[0xb8, 39, 0, 0, 0]);
        assert_eq!(t[TRAMPOLINE_SIZE - 1], 0xcc);
        assert_eq!(&t[12..20], &0x401234u64.to_le_bytes());
    }
}
