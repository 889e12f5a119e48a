//! Parsing and mapping ELF images.

use abi::elf::{self, Ehdr, Phdr};
use abi::mm::prot;
use abi::{page_down, page_up, Pod, PAGE_SIZE};

use super::LoadError;
use crate::kernel::task::Task;
use crate::mm::vma::Backing;
use crate::mm::{PIE_BASE, TASK_SIZE};

/// Most program headers an image may have (Linux allows 64 KiB of them).
const MAX_PHNUM: usize = 65536 / std::mem::size_of::<Phdr>();

/// A parsed, validated ELF executable.
pub struct ElfImage<'a> {
    bytes: &'a [u8],
    ehdr: Ehdr,
    phdrs: Vec<Phdr>,
}

/// Where an image ended up.
pub struct Loaded {
    /// The first instruction.
    pub entry: u64,
    /// The program headers in app memory (`AT_PHDR`).
    pub phdr: u64,
    /// Number of program headers (`AT_PHNUM`).
    pub phnum: u64,
}

fn bad(why: impl Into<String>) -> LoadError {
    LoadError::NotExecutable(why.into())
}

impl<'a> ElfImage<'a> {
    /// Parses and checks the headers of an x86_64 executable.
    pub fn parse(bytes: &'a [u8]) -> Result<ElfImage<'a>, LoadError> {
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
        let mut phdrs = Vec::with_capacity(phnum);
        for i in 0..phnum {
            let off = (ehdr.phoff as usize)
                .checked_add(i * std::mem::size_of::<Phdr>())
                .and_then(|o| bytes.get(o..))
                .and_then(Phdr::read_from)
                .ok_or_else(|| bad("program headers lie outside the file"))?;
            phdrs.push(off);
        }
        if phdrs.iter().any(|p| p.typ == elf::pt::INTERP) {
            return Err(bad("dynamically linked (has PT_INTERP); only static programs are supported so far"));
        }
        let image = ElfImage { bytes, ehdr, phdrs };
        image.check_segments()?;
        Ok(image)
    }

    fn loads(&self) -> impl Iterator<Item = &Phdr> {
        self.phdrs.iter().filter(|p| p.typ == elf::pt::LOAD && p.memsz > 0)
    }

    fn check_segments(&self) -> Result<(), LoadError> {
        let mut any = false;
        for p in self.loads() {
            any = true;
            let in_file = p.offset.checked_add(p.filesz).is_some_and(|e| e <= self.bytes.len() as u64);
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

    /// Maps the image into the task's (empty) address space.
    pub fn load(&self, task: &mut Task, name: &str) -> Result<Loaded, LoadError> {
        let min = self.loads().map(|p| page_down(p.vaddr)).min().unwrap_or(0);
        let bias = if self.ehdr.typ == elf::et::DYN { PIE_BASE - min } else { 0 };
        let mut mapped_end = 0u64;
        let mut highest = 0u64;
        for p in self.loads() {
            let start = page_down(p.vaddr + bias);
            let end = page_up(p.vaddr + bias + p.memsz).ok_or_else(|| bad("segment overflows"))?;
            // Segments may share a page at their edges: map each page once,
            // writable until the contents are in.
            let map_from = start.max(mapped_end);
            if map_from < end {
                task.mm
                    .map_fixed(&mut task.ctx, map_from, end - map_from, prot::READ | prot::WRITE, Backing::Image {
                        name: name.to_owned(),
                        offset: page_down(p.offset) + (map_from - start),
                    })
                    .map_err(LoadError::Memory)?;
            }
            mapped_end = mapped_end.max(end);
            highest = highest.max(p.vaddr + bias + p.memsz);
            let data = &self.bytes[p.offset as usize..(p.offset + p.filesz) as usize];
            task.mm.write_image(&mut task.ctx, p.vaddr + bias, data).map_err(LoadError::Memory)?;
        }
        for p in self.loads() {
            let start = page_down(p.vaddr + bias);
            let end = page_up(p.vaddr + bias + p.memsz).unwrap_or(start);
            task.mm.protect_fixed(&mut task.ctx, start, end - start, segment_prot(p.flags)).map_err(LoadError::Memory)?;
        }
        task.mm.set_brk_start(page_up(highest).unwrap_or(highest));
        Ok(Loaded { entry: self.ehdr.entry + bias, phdr: self.phdr_address()? + bias, phnum: self.phdrs.len() as u64 })
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

    fn err(bytes: &[u8]) -> String {
        match ElfImage::parse(bytes) {
            Err(LoadError::NotExecutable(why)) => why,
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("accepted a bad image"),
        }
    }

    #[test]
    fn accepts_a_minimal_static_executable() {
        let v = minimal(elf::et::EXEC);
        let img = ElfImage::parse(&v).unwrap();
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
        let mut v = minimal(elf::et::EXEC);
        v[64..68].copy_from_slice(&elf::pt::INTERP.to_le_bytes());
        assert!(err(&v).contains("dynamically linked"));
    }
}
