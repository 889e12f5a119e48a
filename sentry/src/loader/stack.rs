//! The initial stack of a new image: argument and environment strings,
//! their pointer vectors, and the auxiliary vector, laid out as Linux's
//! `create_elf_tables` does.

use std::ffi::OsString;

use abi::elf::at;
use abi::mm::prot;
use abi::time::CLOCKS_PER_SEC;
use abi::PAGE_SIZE;

use super::elf::Loaded;
use super::LoadError;
use crate::kernel::host_auxv;
use crate::kernel::task::Task;
use crate::mm::vma::Backing;
use crate::mm::{ArgStrings, ImageArea};

/// Longest single argument or environment string (`MAX_ARG_STRLEN`).
const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE as usize;
/// The smallest room always allowed for arguments (`ARG_MAX`).
const ARG_MIN_LIMIT: u64 = 32 * PAGE_SIZE;
/// Largest stack mapped up front; Linux grows stacks on demand, the
/// sandbox maps the soft limit at once (up to this) and lets the host
/// allocate pages lazily.
const MAX_INITIAL_STACK: u64 = 256 << 20;

/// Argument and environment strings, checked against Linux's limits.
pub struct Strings {
    argv: Vec<Vec<u8>>,
    envv: Vec<Vec<u8>>,
    execfn: Vec<u8>,
}

fn nul_terminated(s: &[u8]) -> Vec<u8> {
    let mut v = s.to_vec();
    v.push(0);
    v
}

impl Strings {
    /// Checks sizes as `execve` does: each string at most
    /// `MAX_ARG_STRLEN`, all of them within a quarter of the stack limit.
    pub fn new(argv: &[OsString], envv: &[OsString], execfn: &[u8], stack_limit: u64) -> Result<Strings, LoadError> {
        let conv = |v: &[OsString]| v.iter().map(|s| nul_terminated(s.as_encoded_bytes())).collect::<Vec<_>>();
        let (argv, envv) = (conv(argv), conv(envv));
        let mut limit = (stack_limit / 4).clamp(ARG_MIN_LIMIT, 6 << 20);
        let ptrs = ((argv.len() + envv.len()) * 8) as u64;
        if limit <= ptrs {
            return Err(LoadError::TooBig);
        }
        limit -= ptrs;
        let mut total = 0u64;
        for s in argv.iter().chain(&envv) {
            if s.len() > MAX_ARG_STRLEN {
                return Err(LoadError::TooBig);
            }
            total += s.len() as u64;
        }
        if total > limit {
            return Err(LoadError::TooBig);
        }
        Ok(Strings { argv, envv, execfn: nul_terminated(execfn) })
    }
}

/// Builds a stack downwards from a top address.
struct Builder {
    top: u64,
    /// The bytes from the top down, in reverse order (so pushing is cheap).
    reversed: Vec<u8>,
}

impl Builder {
    fn sp(&self) -> u64 {
        self.top - self.reversed.len() as u64
    }

    /// Puts `data` just below what is there; returns its address.
    fn push(&mut self, data: &[u8]) -> u64 {
        self.reversed.extend(data.iter().rev());
        self.sp()
    }

    /// The bytes from the stack pointer up to the top.
    fn bytes(&self) -> Vec<u8> {
        self.reversed.iter().rev().copied().collect()
    }

    fn align(&mut self, to: u64) {
        let pad = (self.sp() % to) as usize;
        self.push(&vec![0; pad]);
    }
}

/// The initial stack's area, below `top`, sized by the stack limit.
pub fn area(top: u64, stack_limit: u64) -> ImageArea {
    let size = stack_limit.clamp(ARG_MIN_LIMIT * 4, MAX_INITIAL_STACK) & !(PAGE_SIZE - 1);
    ImageArea { start: top - size, len: size, prot: prot::READ | prot::WRITE, backing: Backing::Stack }
}

/// What the auxiliary vector tells of the new image.
pub struct Images {
    /// The program.
    pub program: Loaded,
    /// Where the interpreter was loaded, if there is one (`AT_BASE`).
    pub interp_base: Option<u64>,
    /// The vDSO's ELF header (`AT_SYSINFO_EHDR`), if one is mapped.
    pub vdso: Option<u64>,
}

/// Writes the initial frame into the stack `area` (mapped); returns the
/// stack pointer.
pub fn build(task: &mut Task, img: &Images, s: &Strings, area: &ImageArea) -> Result<u64, LoadError> {
    let base = area.start;
    let mut b = Builder { top: area.start + area.len, reversed: Vec::new() };
    b.push(&[0; 8]);
    let execfn = b.push(&s.execfn);
    let envp: Vec<u64> = s.envv.iter().rev().map(|e| b.push(e)).collect::<Vec<_>>().into_iter().rev().collect();
    let env_start = b.sp();
    let argp: Vec<u64> = s.argv.iter().rev().map(|a| b.push(a)).collect::<Vec<_>>().into_iter().rev().collect();
    task.mm.set_arg_strings(ArgStrings { args: (b.sp(), env_start), env: (env_start, execfn) });
    b.align(16);
    let platform = b.push(b"x86_64\0");
    let mut random = [0u8; 16];
    // Without entropy (never on Linux) AT_RANDOM is merely not random.
    let _ = getrandom::fill(&mut random);
    let random_at = b.push(&random);

    let creds = task.tg.creds.lock().clone();
    let program = &img.program;
    let mut auxv: Vec<(u64, u64)> = img.vdso.map(|v| (at::SYSINFO_EHDR, v)).into_iter().collect();
    auxv.extend([
        (at::HWCAP, host_auxv(at::HWCAP)),
        (at::PAGESZ, PAGE_SIZE),
        (at::CLKTCK, CLOCKS_PER_SEC),
        (at::PHDR, program.phdr),
        (at::PHENT, std::mem::size_of::<abi::elf::Phdr>() as u64),
        (at::PHNUM, program.phnum),
        (at::BASE, img.interp_base.unwrap_or(0)),
        (at::FLAGS, 0),
        (at::ENTRY, program.entry),
        (at::UID, creds.uid as u64),
        (at::EUID, creds.euid as u64),
        (at::GID, creds.gid as u64),
        (at::EGID, creds.egid as u64),
        (at::SECURE, 0),
        (at::RANDOM, random_at),
        (at::HWCAP2, host_auxv(at::HWCAP2)),
        (at::EXECFN, execfn),
        (at::PLATFORM, platform),
        (at::MINSIGSTKSZ, host_auxv(at::MINSIGSTKSZ).max(2048)),
    ]);
    let mut words: Vec<u64> = vec![argp.len() as u64];
    words.extend(&argp);
    words.push(0);
    words.extend(&envp);
    words.push(0);
    auxv.push((at::NULL, 0));
    for &(k, v) in &auxv {
        words.extend([k, v]);
    }
    task.mm.set_auxv(auxv);
    // The stack pointer at entry is 16-byte aligned and points at argc.
    let table = words.len() as u64 * 8;
    let pad = (b.sp() - table) % 16;
    b.push(&vec![0; pad as usize]);
    let table_bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let sp = b.push(&table_bytes);
    if sp < base {
        return Err(LoadError::TooBig);
    }
    task.mm.write_image(&mut task.ctx, sp, &b.bytes()).map_err(LoadError::Memory)?;
    Ok(sp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_limits_are_linuxs() {
        let p = b"/x";
        let small = vec![OsString::from("a"); 10];
        assert!(Strings::new(&small, &[], p, 8 << 20).is_ok());
        let huge = vec![OsString::from("x".repeat(MAX_ARG_STRLEN))];
        assert!(matches!(Strings::new(&huge, &[], p, 8 << 20), Err(LoadError::TooBig)));
        let many = vec![OsString::from("y".repeat(1000)); 3000];
        assert!(matches!(Strings::new(&many, &[], p, 8 << 20), Err(LoadError::TooBig)));
    }

    #[test]
    fn builder_pushes_downwards_and_aligns() {
        let mut b = Builder { top: 0x1000, reversed: Vec::new() };
        assert_eq!(b.push(b"abc"), 0x1000 - 3);
        assert_eq!(b.push(b"de"), 0x1000 - 5);
        b.align(16);
        assert_eq!(b.sp() % 16, 0);
        let bytes = b.bytes();
        assert_eq!(&bytes[bytes.len() - 5..], b"deabc");
    }
}
