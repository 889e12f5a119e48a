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

/// The address of `stub_fast_entry`, where patched syscall sites enter.
pub fn fast_entry() -> u64 {
    static ENTRY: OnceLock<u64> = OnceLock::new();
    *ENTRY.get_or_init(|| symbol(STUB_ELF, "stub_fast_entry").expect("the embedded stub exports stub_fast_entry"))
}

/// The value of a symbol in an ELF image's symbol table.
fn symbol(image: &[u8], name: &str) -> Option<u64> {
    let eh = Ehdr::read_from(image)?;
    let shdr = |i: usize| -> Option<Shdr> { Shdr::read_from(image.get((eh.shoff as usize).checked_add(i * std::mem::size_of::<Shdr>())?..)?) };
    for i in 0..eh.shnum as usize {
        let sh = shdr(i)?;
        if sh.typ != SHT_SYMTAB {
            continue;
        }
        let strtab = shdr(sh.link as usize)?;
        let strings = image.get(strtab.offset as usize..(strtab.offset.checked_add(strtab.size)?) as usize)?;
        let syms = image.get(sh.offset as usize..(sh.offset.checked_add(sh.size)?) as usize)?;
        for sym in syms.chunks_exact(24) {
            let name_off = u32::from_le_bytes(sym[0..4].try_into().ok()?) as usize;
            let sym_name = strings.get(name_off..)?.split(|&b| b == 0).next()?;
            if sym_name == name.as_bytes() {
                return Some(u64::from_le_bytes(sym[8..16].try_into().ok()?));
            }
        }
    }
    None
}

/// `SHT_SYMTAB`.
const SHT_SYMTAB: u32 = 2;

/// `Elf64_Shdr`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Shdr {
    name: u32,
    typ: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    addralign: u64,
    entsize: u64,
}
abi::impl_pod!(Shdr);

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
        assert!((start..end).contains(&fast_entry()));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(exec_range(b"not an elf"), None);
        assert_eq!(exec_range(&[]), None);
    }
}
