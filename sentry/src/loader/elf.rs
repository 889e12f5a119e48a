//! Parsing and mapping ELF images.

use abi::elf::{self, Ehdr, Phdr};
use abi::mm::prot;
use abi::{page_down, page_up, Pod, PAGE_SIZE};

use super::{Executable, LoadError};
use crate::kernel::task::Task;
use crate::mm::vma::Backing;
use crate::mm::{ImageArea, TASK_SIZE};

/// Most program headers an image may have (Linux allows 64 KiB of them).
const MAX_PHNUM: usize = 65536 / std::mem::size_of::<Phdr>();
/// Longest interpreter path, its NUL included (`PATH_MAX`).
const PATH_MAX: u64 = 4096;

/// A parsed, validated ELF executable.
pub struct ElfImage {
    ehdr: Ehdr,
    phdrs: Vec<Phdr>,
    /// The interpreter it names (`PT_INTERP`), without its NUL.
    interp: Option<Vec<u8>>,
}

/// Where an image ended up.
#[derive(Clone, Copy)]
pub struct Loaded {
    /// The first instruction.
    pub entry: u64,
    /// The program headers in app memory (`AT_PHDR`).
    pub phdr: u64,
    /// Number of program headers (`AT_PHNUM`).
    pub phnum: u64,
    /// The load bias: where address 0 of the file's addresses lands
    /// (`AT_BASE` for an interpreter).
    pub bias: u64,
    /// One past the page of its highest byte (where the heap may start).
    pub end: u64,
}

/// How `/proc/PID/maps` names an image's file.
#[derive(Clone, Debug)]
pub struct FileName {
    /// Its path in the sandbox's tree.
    pub path: String,
    /// The sandbox's device number of the file.
    pub dev: u64,
    /// The sandbox's inode number of the file.
    pub ino: u64,
}

/// Where an image's pieces go, worked out before anything is mapped.
pub struct Plan {
    areas: Vec<ImageArea>,
    /// Bytes of file-mapped pages past a segment's file part, to zero:
    /// address, length, the segment's protection.
    tails: Vec<(u64, usize, u64)>,
    /// Where the image's entry and program headers end up.
    pub loaded: Loaded,
}

impl Plan {
    /// Maps the image from `exe` into the task's address space, with
    /// `extra` (the stack, the vDSO's anonymous pages) in the same round
    /// trip to the stub. `reuse`: the address space held the previous
    /// image, which goes first (see [`crate::mm::MemoryManager::map_image`]).
    pub fn load(mut self, task: &mut Task, exe: &Executable, extra: Vec<ImageArea>, reuse: bool) -> Result<(), LoadError> {
        self.areas.extend(extra);
        task.mm.map_image(&mut task.ctx, exe.fd(), &self.areas, reuse).map_err(LoadError::Memory)?;
        for (addr, len, prot) in self.tails {
            zero_tail(task, addr, len, prot)?;
        }
        Ok(())
    }
}

fn bad(why: impl Into<String>) -> LoadError {
    LoadError::NotExecutable(why.into())
}

impl ElfImage {
    /// Parses and checks the headers of an x86_64 executable, and reads
    /// the path of its interpreter.
    pub fn parse(exe: &Executable) -> Result<ElfImage, LoadError> {
        let mut image = Self::parse_headers(exe.head(), exe.len(), |off, buf| exe.read_at(off, buf).is_ok())?;
        if let Some(p) = image.phdrs.iter().find(|p| p.typ == elf::pt::INTERP) {
            // As Linux: a path of 2 to PATH_MAX bytes that ends in its NUL.
            if !(2..=PATH_MAX).contains(&p.filesz) || p.offset.checked_add(p.filesz).is_none_or(|e| e > exe.len()) {
                return Err(bad("bad interpreter path (PT_INTERP)"));
            }
            let mut path = vec![0u8; p.filesz as usize];
            exe.read_at(p.offset, &mut path).map_err(|e| LoadError::Io(exe.path.clone(), e))?;
            if path.last() != Some(&0) {
                return Err(bad("the interpreter path (PT_INTERP) does not end in NUL"));
            }
            // The path is a C string: it ends at its first NUL.
            path.truncate(path.iter().position(|&b| b == 0).unwrap_or(path.len()));
            image.interp = Some(path);
        }
        Ok(image)
    }

    /// The parser proper: `head` is the start of the file, `len` its size,
    /// and `read_at` reads program headers that lie beyond `head`.
    fn parse_headers(head: &[u8], len: u64, read_at: impl Fn(u64, &mut [u8]) -> bool) -> Result<ElfImage, LoadError> {
        let bytes = head;
        if !bytes.starts_with(&elf::MAGIC) {
            return Err(bad("not an ELF file"));
        }
        let ehdr = Ehdr::read_from(bytes).ok_or_else(|| bad("file too short for an ELF header"))?;
        if ehdr.ident[4] != elf::CLASS64 || ehdr.ident[5] != elf::DATA_LSB || ehdr.machine != elf::MACHINE_X86_64 {
            return Err(bad("not an x86_64 ELF file"));
        }
        if ehdr.ident[6] != elf::VERSION_CURRENT {
            return Err(bad("unknown ELF version"));
        }
        if ehdr.typ != elf::et::EXEC && ehdr.typ != elf::et::DYN {
            return Err(bad("not an executable (ELF type is neither EXEC nor DYN)"));
        }
        if ehdr.phentsize as usize != std::mem::size_of::<Phdr>() {
            return Err(bad("bad program header size"));
        }
        let phnum = ehdr.phnum as usize;
        if phnum == 0 || phnum > MAX_PHNUM {
            return Err(bad("bad number of program headers"));
        }
        let table_len = phnum * std::mem::size_of::<Phdr>();
        let in_file = ehdr.phoff.checked_add(table_len as u64).is_some_and(|end| end <= len);
        let mut table = vec![0u8; table_len];
        if !in_file || !read_at(ehdr.phoff, &mut table) {
            return Err(bad("program headers lie outside the file"));
        }
        let phdrs: Vec<Phdr> = table.chunks_exact(std::mem::size_of::<Phdr>()).filter_map(Phdr::read_from).collect();
        let image = ElfImage { ehdr, phdrs, interp: None };
        image.check_segments(len)?;
        Ok(image)
    }

    /// The interpreter it names (`PT_INTERP`), if any.
    pub fn interpreter(&self) -> Option<&[u8]> {
        self.interp.as_deref()
    }

    /// Whether it is position-independent (`ET_DYN`): placed by the loader.
    pub fn is_position_independent(&self) -> bool {
        self.ehdr.typ == elf::et::DYN
    }

    fn loads(&self) -> impl Iterator<Item = &Phdr> {
        self.phdrs.iter().filter(|p| p.typ == elf::pt::LOAD && p.memsz > 0)
    }

    /// The page-aligned range its loadable segments span, at bias 0.
    pub fn extent(&self) -> std::ops::Range<u64> {
        let min = self.loads().map(|p| page_down(p.vaddr)).min().unwrap_or(0);
        let max = self.loads().map(|p| p.vaddr + p.memsz).max().unwrap_or(0);
        min..page_up(max).unwrap_or(max)
    }

    /// The largest alignment its loadable segments ask for (powers of two
    /// only, as Linux's `maximum_alignment`), at least a page.
    pub fn max_align(&self) -> u64 {
        self.loads().map(|p| p.align).filter(|a| a.is_power_of_two()).max().unwrap_or(PAGE_SIZE).max(PAGE_SIZE)
    }

    fn check_segments(&self, len: u64) -> Result<(), LoadError> {
        let mut any = false;
        for p in self.loads() {
            any = true;
            let in_file = p.offset.checked_add(p.filesz).is_some_and(|e| e <= len);
            let fits = p.vaddr.checked_add(p.memsz).is_some_and(|e| e < TASK_SIZE);
            if !in_file || p.filesz > p.memsz || !fits {
                return Err(bad("a loadable segment is malformed"));
            }
            if p.vaddr % PAGE_SIZE != p.offset % PAGE_SIZE {
                return Err(bad("a loadable segment is misaligned"));
            }
        }
        if !any {
            return Err(bad("no loadable segments"));
        }
        Ok(())
    }

    /// Works out where the image goes with load bias `bias`, as Linux's
    /// `load_elf_binary` lays it out: each segment's file part mapped
    /// private from the file, the rest of its last file page zeroed, and
    /// the remaining bss mapped anonymous. `file` names it in
    /// `/proc/PID/maps`.
    pub fn plan(&self, file: &FileName, bias: u64) -> Result<Plan, LoadError> {
        let overflow = || bad("a segment lies beyond the end of user memory");
        let mut highest = 0u64;
        let mut areas = Vec::new();
        let mut tails = Vec::new();
        for p in self.loads() {
            let vaddr = p.vaddr.checked_add(bias).ok_or_else(overflow)?;
            let start = page_down(vaddr);
            let file_end = vaddr + p.filesz;
            let mem_end = vaddr.checked_add(p.memsz).filter(|&e| e <= TASK_SIZE).ok_or_else(overflow)?;
            let prot = segment_prot(p.flags);
            let mut anon_from = start;
            if p.filesz > 0 {
                let file_top = page_up(file_end).ok_or_else(overflow)?;
                let backing = Backing::Image { name: file.path.clone(), offset: page_down(p.offset), dev: file.dev, ino: file.ino };
                areas.push(ImageArea { start, len: file_top - start, prot, backing });
                if p.memsz > p.filesz && file_end < file_top {
                    tails.push((file_end, (file_top - file_end) as usize, prot));
                }
                anon_from = file_top;
            }
            let mem_top = page_up(mem_end).ok_or_else(overflow)?;
            if mem_top > anon_from {
                areas.push(ImageArea { start: anon_from, len: mem_top - anon_from, prot, backing: Backing::Anonymous });
            }
            highest = highest.max(mem_end);
        }
        let loaded = Loaded {
            entry: self.ehdr.entry.wrapping_add(bias),
            phdr: self.phdr_address()?.wrapping_add(bias),
            phnum: self.phdrs.len() as u64,
            bias,
            end: page_up(highest).unwrap_or(highest),
        };
        Ok(Plan { areas, tails, loaded })
    }

    /// Where the program headers are in memory (before the bias): from
    /// `PT_PHDR`, else from the segment that holds them in the file.
    fn phdr_address(&self) -> Result<u64, LoadError> {
        if let Some(p) = self.phdrs.iter().find(|p| p.typ == elf::pt::PHDR) {
            return Ok(p.vaddr);
        }
        let off = self.ehdr.phoff;
        self.loads()
            .find(|p| off >= p.offset && off < p.offset + p.filesz)
            .map(|p| p.vaddr + (off - p.offset))
            .ok_or_else(|| bad("the program headers are not in a loadable segment"))
    }
}

/// Zeroes the bytes of a file-mapped page past the end of a segment's file
/// part (they belong to its bss), making the page writable for it if need be.
fn zero_tail(task: &mut Task, addr: u64, len: usize, prot: u64) -> Result<(), LoadError> {
    let page = page_down(addr);
    if prot & prot::WRITE == 0 {
        task.mm.protect_fixed(&mut task.ctx, page, PAGE_SIZE, prot | prot::WRITE).map_err(LoadError::Memory)?;
    }
    task.mm.write_image(&mut task.ctx, addr, &vec![0u8; len]).map_err(LoadError::Memory)?;
    if prot & prot::WRITE == 0 {
        task.mm.protect_fixed(&mut task.ctx, page, PAGE_SIZE, prot).map_err(LoadError::Memory)?;
    }
    Ok(())
}

fn segment_prot(flags: u32) -> u64 {
    let mut p = 0;
    if flags & elf::pf::R != 0 {
        p |= prot::READ;
    }
    if flags & elf::pf::W != 0 {
        p |= prot::WRITE;
    }
    if flags & elf::pf::X != 0 {
        p |= prot::EXEC;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(typ: u16) -> Vec<u8> {
        let mut eh = Ehdr::zeroed();
        eh.ident[..4].copy_from_slice(&elf::MAGIC);
        eh.ident[4] = elf::CLASS64;
        eh.ident[5] = elf::DATA_LSB;
        eh.ident[6] = elf::VERSION_CURRENT;
        eh.typ = typ;
        eh.machine = elf::MACHINE_X86_64;
        eh.phoff = 64;
        eh.phentsize = 56;
        eh.phnum = 1;
        eh.entry = 0x401000;
        let ph = Phdr { typ: elf::pt::LOAD, flags: elf::pf::R | elf::pf::X, offset: 0, vaddr: 0x400000, paddr: 0, filesz: 200, memsz: 200, align: 4096 };
        let mut v = eh.as_bytes().to_vec();
        v.extend_from_slice(ph.as_bytes());
        v.resize(200, 0);
        v
    }

    fn parse(bytes: &[u8]) -> Result<ElfImage, LoadError> {
        ElfImage::parse_headers(bytes, bytes.len() as u64, |off, buf| {
            let Some(src) = bytes.get(off as usize..off as usize + buf.len()) else { return false };
            buf.copy_from_slice(src);
            true
        })
    }

    fn err(bytes: &[u8]) -> String {
        match parse(bytes) {
            Err(LoadError::NotExecutable(why)) => why,
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("accepted a bad image"),
        }
    }

    #[test]
    fn accepts_a_minimal_static_executable() {
        let v = minimal(elf::et::EXEC);
        let img = parse(&v).unwrap();
        assert_eq!(img.phdr_address().unwrap(), 0x400040);
    }

    #[test]
    fn rejects_bad_images_with_reasons() {
        assert!(err(b"#!/bin/sh\n").contains("not an ELF"));
        assert!(err(&[0x7f, b'E', b'L', b'F']).contains("too short"));
        let mut v = minimal(elf::et::EXEC);
        v[4] = 1;
        assert!(err(&v).contains("x86_64"));
        let v = minimal(1);
        assert!(err(&v).contains("not an executable"));
        let mut v = minimal(elf::et::EXEC);
        v.truncate(100);
        assert!(err(&v).contains("outside the file"));
        let mut v = minimal(elf::et::EXEC);
        // filesz beyond the end of the file
        v[64 + 32..64 + 40].copy_from_slice(&10_000u64.to_le_bytes());
        v[64 + 40..64 + 48].copy_from_slice(&10_000u64.to_le_bytes());
        assert!(err(&v).contains("malformed"));
    }
}
