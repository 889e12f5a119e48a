//! The stub ELF embedded in this crate, and the facts the filter needs
//! about it.

use std::sync::OnceLock;

use abi::elf::{self, Ehdr, Phdr};
use abi::Pod;

/// The stub executable, built by `build.rs`.
pub static STUB_ELF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stub.elf"));

/// The address range of the stub's executable segments, `[start, end)`.
pub fn text_range() -> (u64, u64) {
    static RANGE: OnceLock<(u64, u64)> = OnceLock::new();
    *RANGE.get_or_init(|| exec_range(STUB_ELF).expect("the embedded stub is a valid ELF with code"))
}

/// The span covering every executable `PT_LOAD` segment of an ELF image.
fn exec_range(image: &[u8]) -> Option<(u64, u64)> {
    let eh = Ehdr::read_from(image)?;
    if eh.ident[..4] != elf::MAGIC {
        return None;
    }
    let mut range: Option<(u64, u64)> = None;
    for i in 0..eh.phnum as usize {
        let off = (eh.phoff as usize).checked_add(i * std::mem::size_of::<Phdr>())?;
        let ph = Phdr::read_from(image.get(off..)?)?;
        if ph.typ == elf::pt::LOAD && ph.flags & elf::pf::X != 0 {
            let (s, e) = (ph.vaddr, ph.vaddr.checked_add(ph.memsz)?);
            range = Some(range.map_or((s, e), |(a, b)| (a.min(s), b.max(e))));
        }
    }
    range
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stub_is_small_and_high() {
        assert!(STUB_ELF.len() < 16 * 1024, "stub is {} bytes", STUB_ELF.len());
        let (start, end) = text_range();
        assert!(start >= 0x7f00_0000_0000 && start < end);
        // The filter compares the high 32 bits once: no 4 GiB crossing.
        assert_eq!(start >> 32, (end - 1) >> 32);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(exec_range(b"not an elf"), None);
        assert_eq!(exec_range(&[]), None);
    }
}
