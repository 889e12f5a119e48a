//! The sandbox's vDSO, as the kernel keeps it: the image (built from
//! `vdso/` by the sentry's build script), the clock page every process
//! shares, and where the host's own vDSO functions lie, which the image
//! calls (see `abi::vdso` for the layout and the vDSO crate for how it
//! reads them).
//!
//! One memory file holds the clock page and then the image; every process
//! maps the clock page shared and read-only, and the image private. The
//! kernel rewrites the clock page under its sequence count when the
//! sandbox's clocks change their relation to the host's (time paused and
//! resumed) and when `getcpu` must trap.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use abi::elf::{self, Ehdr, Phdr};
use abi::time::clock;
use abi::vdso::{flags, VdsoClock, VdsoHost, VVAR_PAGES};
use abi::{page_up, Pod, PAGE_SIZE};
use parking_lot::Mutex;

use super::time::Timekeeper;

/// The vDSO image.
static IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vdso.so"));

/// The clock ids the vDSO answers from the host's clocks.
const SERVED: [i32; 7] = [clock::REALTIME, clock::MONOTONIC, clock::MONOTONIC_RAW, clock::REALTIME_COARSE, clock::MONOTONIC_COARSE, clock::BOOTTIME, clock::TAI];

/// The sandbox's vDSO.
pub struct Vdso {
    /// The clock page, then the image.
    file: File,
    /// Where the host's `__vdso_clock_gettime` and `__vdso_getcpu` lie in
    /// the host's vDSO image (offsets from its ELF header), if it has them.
    host_clock_gettime: Option<u64>,
    host_getcpu: Option<u64>,
    /// The clock page as last written (its writes are serialised here).
    page: Mutex<VdsoClock>,
}

impl Vdso {
    /// The vDSO of a kernel whose clocks `timekeeper` keeps, with `cpus`
    /// CPUs.
    pub fn new(timekeeper: &Timekeeper, cpus: u32) -> io::Result<Vdso> {
        let file = memfd::MemfdOptions::default().close_on_exec(true).create("sandbox-vdso").map_err(io::Error::other)?.into_file();
        file.write_all_at(IMAGE, PAGE_SIZE)?;
        file.set_len(PAGE_SIZE + image_len())?;
        let host = HostVdso::of_sentry();
        let coarse = super::time::host_resolution(libc::CLOCK_MONOTONIC_COARSE);
        let page = VdsoClock { cpus, coarse_res_nsec: coarse, ..VdsoClock::default() };
        let vdso = Vdso {
            file,
            host_clock_gettime: host.as_ref().and_then(|h| h.symbol(b"__vdso_clock_gettime")),
            host_getcpu: host.as_ref().and_then(|h| h.symbol(b"__vdso_getcpu")),
            page: Mutex::new(page),
        };
        vdso.publish(timekeeper);
        Ok(vdso)
    }

    /// The memory file to map from: the clock page at offset 0, the image
    /// at [`PAGE_SIZE`].
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Bytes a process's vDSO mapping takes: its data pages and the image.
    pub fn len(&self) -> u64 {
        VVAR_PAGES * PAGE_SIZE + image_len()
    }

    /// Whether the mapping is empty (never).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The per-process data page of a process whose host vDSO starts at
    /// `host_base`.
    pub fn host_page(&self, host_base: Option<u64>) -> VdsoHost {
        let at = |off: Option<u64>| host_base.zip(off).map_or(0, |(b, o)| b + o);
        VdsoHost { clock_gettime: at(self.host_clock_gettime), getcpu: at(self.host_getcpu) }
    }

    /// Rewrites the clock page from `timekeeper`: the base of each clock
    /// served, or `FROZEN` while time is paused.
    pub fn publish(&self, timekeeper: &Timekeeper) {
        self.update(|p| {
            p.served = 0;
            match timekeeper.host_bases() {
                Some(bases) => {
                    p.flags &= !flags::FROZEN;
                    for id in SERVED {
                        let base = bases[id as usize];
                        p.base_sec[id as usize] = base.div_euclid(1_000_000_000);
                        p.base_nsec[id as usize] = base.rem_euclid(1_000_000_000);
                        p.served |= 1 << id;
                    }
                }
                None => p.flags |= flags::FROZEN,
            }
        });
    }

    /// Has every clock read make the system call from now on (before
    /// time is paused: a read the vDSO answers then is never later than
    /// the paused instant).
    pub fn freeze(&self) {
        self.update(|p| p.flags |= flags::FROZEN);
    }

    /// Has `getcpu` make the system call from now on (some thread's
    /// affinity is restricted, which only the sentry knows).
    pub fn getcpu_traps(&self) {
        if self.page.lock().flags & flags::GETCPU_SYSCALL == 0 {
            self.update(|p| p.flags |= flags::GETCPU_SYSCALL);
        }
    }

    /// Changes the clock page under its sequence count: odd while the new
    /// values are written, even again once they all are.
    fn update(&self, change: impl FnOnce(&mut VdsoClock)) {
        let mut page = self.page.lock();
        page.seq = page.seq.wrapping_add(1);
        // A failed write of the memory file (never seen) leaves the vDSO
        // reading the previous values; each write is one copy, in order.
        let _ = self.file.write_all_at(&page.seq.to_ne_bytes(), 0);
        change(&mut page);
        let _ = self.file.write_all_at(&page.as_bytes()[4..], 4);
        page.seq = page.seq.wrapping_add(1);
        let _ = self.file.write_all_at(&page.seq.to_ne_bytes(), 0);
    }
}

/// The image's size, in whole pages.
fn image_len() -> u64 {
    page_up(IMAGE.len() as u64).unwrap_or(0)
}

/// The host's vDSO image, as the sentry's own process maps it (every
/// process of the host maps the same one).
struct HostVdso {
    image: Vec<u8>,
}

impl HostVdso {
    /// Reads the sentry's own vDSO, found by its auxiliary vector, up to
    /// the end of its section headers; `None` if the host gives
    /// processes none.
    fn of_sentry() -> Option<HostVdso> {
        /// A larger image than this is not a vDSO.
        const MAX: u64 = 1 << 16;
        let start = super::host_auxv(abi::elf::at::SYSINFO_EHDR);
        if start == 0 {
            return None;
        }
        let mem = File::open("/proc/self/mem").ok()?;
        let mut head = [0u8; std::mem::size_of::<Ehdr>()];
        mem.read_exact_at(&mut head, start).ok()?;
        let ehdr = Ehdr::read_from(&head)?;
        let len = ehdr.shoff.checked_add(u64::from(ehdr.shnum) * u64::from(ehdr.shentsize)).filter(|&l| l <= MAX)?;
        let mut image = vec![0u8; usize::try_from(len).ok()?];
        mem.read_exact_at(&mut image, start).ok()?;
        Some(HostVdso { image })
    }

    /// The offset from the image's start of dynamic symbol `name`.
    fn symbol(&self, name: &[u8]) -> Option<u64> {
        let img = &self.image;
        let ehdr = Ehdr::read_from(img)?;
        let phdr = |i: u64| Phdr::read_from(img.get(usize::try_from(ehdr.phoff + i * 56).ok()?..)?);
        let load = (0..u64::from(ehdr.phnum)).filter_map(phdr).find(|p| p.typ == elf::pt::LOAD)?;
        // The image is mapped flat: an address is its load's, moved to the file offset.
        let shdr = |i: u64| -> Option<(u32, u64, u64, u32, u64)> {
            let at = usize::try_from(ehdr.shoff + i * u64::from(ehdr.shentsize)).ok()?;
            let s = img.get(at..at + 64)?;
            let w = |o: usize, n: usize| s[o..o + n].iter().rev().fold(0u64, |v, &b| (v << 8) | u64::from(b));
            Some((w(4, 4) as u32, w(0x18, 8), w(0x20, 8), w(0x28, 4) as u32, w(0x38, 8)))
        };
        const SHT_DYNSYM: u32 = 11;
        let (_, off, size, link, entsize) = (0..u64::from(ehdr.shnum)).filter_map(shdr).find(|s| s.0 == SHT_DYNSYM)?;
        let (_, stroff, strsize, _, _) = shdr(u64::from(link))?;
        let strings = img.get(usize::try_from(stroff).ok()?..usize::try_from(stroff + strsize).ok()?)?;
        for i in 0..size / entsize.max(1) {
            let at = usize::try_from(off + i * entsize).ok()?;
            let sym = img.get(at..at + 24)?;
            let name_at = u32::from_ne_bytes(sym[..4].try_into().ok()?) as usize;
            let value = u64::from_ne_bytes(sym[8..16].try_into().ok()?);
            let sym_name = strings.get(name_at..)?.split(|&b| b == 0).next()?;
            if sym_name == name && value != 0 {
                return Some(value - load.vaddr + load.offset);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_is_one_flat_load_that_exports_the_clock_calls() {
        let ehdr = Ehdr::read_from(IMAGE).unwrap();
        assert_eq!(ehdr.typ, elf::et::DYN);
        let loads: Vec<Phdr> = (0..ehdr.phnum as usize).filter_map(|i| Phdr::read_from(&IMAGE[ehdr.phoff as usize + i * 56..])).filter(|p| p.typ == elf::pt::LOAD).collect();
        assert_eq!(loads.len(), 1);
        assert_eq!((loads[0].offset, loads[0].vaddr), (0, 0));
        let own = HostVdso { image: IMAGE.to_vec() };
        for name in ["__vdso_clock_gettime", "clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_clock_getres", "__vdso_getcpu"] {
            assert!(own.symbol(name.as_bytes()).is_some(), "{name} is not exported");
        }
    }

    #[test]
    fn the_hosts_vdso_is_found_when_the_host_has_one() {
        let has_one = std::fs::read_to_string("/proc/self/maps").unwrap().lines().any(|l| l.ends_with("[vdso]"));
        match HostVdso::of_sentry() {
            Some(host) => assert!(host.symbol(b"__vdso_clock_gettime").is_some()),
            None => assert!(!has_one, "the host maps a vDSO, but it was not read"),
        }
    }

    #[test]
    fn the_clock_page_counts_its_changes_and_freezes() {
        let tk = Timekeeper::new();
        let v = Vdso::new(&tk, 2).unwrap();
        let read = || {
            let mut b = vec![0u8; std::mem::size_of::<VdsoClock>()];
            v.file().read_exact_at(&mut b, 0).unwrap();
            VdsoClock::read_from(&b).unwrap()
        };
        let p = read();
        assert_eq!(p.seq % 2, 0);
        assert_eq!(p.flags & flags::FROZEN, 0);
        assert_ne!(p.served & (1 << clock::MONOTONIC), 0);
        assert_eq!(p.served & (1 << clock::PROCESS_CPUTIME_ID), 0, "CPU clocks trap");
        v.freeze();
        let q = read();
        assert_eq!(q.seq, p.seq + 2);
        assert_ne!(q.flags & flags::FROZEN, 0);
        assert_eq!(v.host_page(None), VdsoHost::default());
    }
}
