//! ELF64 headers and the auxiliary vector.

/// `Elf64_Ehdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Ehdr {
    pub ident: [u8; 16],
    pub typ: u16,
    pub machine: u16,
    pub version: u32,
    pub entry: u64,
    pub phoff: u64,
    pub shoff: u64,
    pub flags: u32,
    pub ehsize: u16,
    pub phentsize: u16,
    pub phnum: u16,
    pub shentsize: u16,
    pub shnum: u16,
    pub shstrndx: u16,
}
crate::impl_pod!(Ehdr);
const _: () = assert!(core::mem::size_of::<Ehdr>() == 64);

/// `Elf64_Phdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Phdr {
    pub typ: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}
crate::impl_pod!(Phdr);
const _: () = assert!(core::mem::size_of::<Phdr>() == 56);

/// The ELF magic number.
pub const MAGIC: [u8; 4] = *b"\x7fELF";
/// `EI_CLASS` value for 64-bit objects.
pub const CLASS64: u8 = 2;
/// `EI_DATA` value for little-endian objects.
pub const DATA_LSB: u8 = 1;
/// `EV_CURRENT`.
pub const VERSION_CURRENT: u8 = 1;
/// `EM_X86_64`.
pub const MACHINE_X86_64: u16 = 62;

#[allow(missing_docs)]
pub mod et {
    pub const EXEC: u16 = 2;
    pub const DYN: u16 = 3;
}

#[allow(missing_docs)]
pub mod pt {
    pub const NULL: u32 = 0;
    pub const LOAD: u32 = 1;
    pub const DYNAMIC: u32 = 2;
    pub const INTERP: u32 = 3;
    pub const NOTE: u32 = 4;
    pub const PHDR: u32 = 6;
    pub const TLS: u32 = 7;
    pub const GNU_STACK: u32 = 0x6474_e551;
    pub const GNU_RELRO: u32 = 0x6474_e552;
}

#[allow(missing_docs)]
pub mod pf {
    pub const X: u32 = 1;
    pub const W: u32 = 2;
    pub const R: u32 = 4;
}

/// Auxiliary vector keys (`AT_*`).
#[allow(missing_docs)]
pub mod at {
    pub const NULL: u64 = 0;
    pub const PHDR: u64 = 3;
    pub const PHENT: u64 = 4;
    pub const PHNUM: u64 = 5;
    pub const PAGESZ: u64 = 6;
    pub const BASE: u64 = 7;
    pub const FLAGS: u64 = 8;
    pub const ENTRY: u64 = 9;
    pub const UID: u64 = 11;
    pub const EUID: u64 = 12;
    pub const GID: u64 = 13;
    pub const EGID: u64 = 14;
    pub const PLATFORM: u64 = 15;
    pub const HWCAP: u64 = 16;
    pub const CLKTCK: u64 = 17;
    pub const SECURE: u64 = 23;
    pub const RANDOM: u64 = 25;
    pub const HWCAP2: u64 = 26;
    pub const EXECFN: u64 = 31;
    pub const SYSINFO_EHDR: u64 = 33;
    pub const MINSIGSTKSZ: u64 = 51;
}
