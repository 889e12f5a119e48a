//! The sandbox's vDSO: `clock_gettime`, `gettimeofday`, `time`,
//! `clock_getres` and `getcpu` answered in the app's own process, without
//! a trap to the sentry.
//!
//! A freestanding shared object, linked by the sentry's build script with
//! `vdso.lds` (the exported names, versioned `LINUX_2.6` as glibc and musl
//! look them up) and mapped by the loader into every process, its data
//! pages just below its ELF header (see `abi::vdso`). A clock read calls
//! the host's vDSO, which every stub process has, and moves the result by
//! the sandbox's base for that clock, read under the clock page's sequence
//! count; so it agrees with the system call, which derives the same clock
//! from the same host clock. Whatever the data cannot answer (paused time,
//! CPU-time clocks, a bad argument, no host vDSO) goes to the system call,
//! which traps to the sentry like any other.
//!
//! The image must need no relocation (nothing relocates a vDSO): the data
//! pages are found from the image's own address, taken PC-relative, and
//! the build script refuses an image with relocations.
#![no_std]

use core::arch::asm;
use core::sync::atomic::{compiler_fence, Ordering};

use abi::time::Timespec;
use abi::vdso::{flags, VdsoClock, VdsoHost, CLOCKS, VVAR_PAGES};
use abi::{sysno, PAGE_SIZE};

const NSEC_PER_SEC: i64 = 1_000_000_000;
/// `CLOCK_REALTIME`.
const CLOCK_REALTIME: i32 = 0;
/// The coarse clocks, whose resolution is the host tick.
const CLOCK_REALTIME_COARSE: i32 = 5;
/// See [`CLOCK_REALTIME_COARSE`].
const CLOCK_MONOTONIC_COARSE: i32 = 6;

/// `struct timeval`.
#[repr(C)]
pub struct Timeval {
    tv_sec: i64,
    tv_usec: i64,
}

/// The address of the image's ELF header, where it was mapped.
fn image_base() -> usize {
    let base: usize;
    // SAFETY: takes the address of a linker-defined symbol, PC-relative;
    // touches no memory.
    unsafe { asm!("lea {}, [rip + __ehdr_start]", out(reg) base, options(nomem, nostack, preserves_flags)) };
    base
}

/// The shared clock page.
fn clock_page() -> *const VdsoClock {
    (image_base() - PAGE_SIZE as usize) as *const VdsoClock
}

/// This process's host vDSO functions.
fn host() -> VdsoHost {
    let at = (image_base() - (VVAR_PAGES * PAGE_SIZE) as usize) as *const VdsoHost;
    // SAFETY: the loader maps this page with the image, readable.
    unsafe { at.read_volatile() }
}

/// A system call with two arguments, as the app would make it.
fn syscall2(nr: u32, a: usize, b: usize) -> i64 {
    let ret: i64;
    // SAFETY: the calls made here take pointers the app gave and return;
    // the sentry checks them as it checks any system call.
    unsafe {
        asm!("syscall", inlateout("rax") nr as i64 => ret, in("rdi") a, in("rsi") b,
             lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    ret
}

/// Reads the sandbox's clock `clk` into `ts` through the host's vDSO;
/// `false` when the data cannot answer (then nothing is written).
fn read_clock(clk: i32, ts: &mut Timespec) -> bool {
    let Ok(id) = usize::try_from(clk) else { return false };
    if id >= CLOCKS {
        return false;
    }
    let host = host();
    if host.clock_gettime == 0 {
        return false;
    }
    // SAFETY: a function of the host's vDSO, with its C signature.
    let gettime: extern "C" fn(i32, *mut Timespec) -> i32 = unsafe { core::mem::transmute(host.clock_gettime as usize) };
    let page = clock_page();
    loop {
        // SAFETY: the clock page is mapped readable with the image; the
        // sentry changes it only under the sequence count.
        let seq = unsafe { core::ptr::addr_of!((*page).seq).read_volatile() };
        compiler_fence(Ordering::Acquire);
        // SAFETY: as above.
        let (flags, served, base_sec, base_nsec) = unsafe {
            (
                core::ptr::addr_of!((*page).flags).read_volatile(),
                core::ptr::addr_of!((*page).served).read_volatile(),
                core::ptr::addr_of!((*page).base_sec[id]).read_volatile(),
                core::ptr::addr_of!((*page).base_nsec[id]).read_volatile(),
            )
        };
        if seq & 1 != 0 {
            continue;
        }
        if flags & flags::FROZEN != 0 || served & (1 << id) == 0 {
            return false;
        }
        let mut now = Timespec { tv_sec: 0, tv_nsec: 0 };
        if gettime(clk, &mut now) != 0 {
            return false;
        }
        compiler_fence(Ordering::Acquire);
        // SAFETY: as above.
        if unsafe { core::ptr::addr_of!((*page).seq).read_volatile() } != seq {
            continue;
        }
        let mut sec = now.tv_sec.wrapping_sub(base_sec);
        let mut nsec = now.tv_nsec - base_nsec;
        if nsec < 0 {
            nsec += NSEC_PER_SEC;
            sec = sec.wrapping_sub(1);
        }
        *ts = Timespec { tv_sec: sec, tv_nsec: nsec };
        return true;
    }
}

/// `clock_gettime(clk, ts)`.
///
/// # Safety
///
/// As the system call: `ts` must be writable.
unsafe fn clock_gettime_impl(clk: i32, ts: *mut Timespec) -> i32 {
    let mut now = Timespec { tv_sec: 0, tv_nsec: 0 };
    if ts.is_null() || !read_clock(clk, &mut now) {
        return syscall2(sysno::CLOCK_GETTIME, clk as usize, ts as usize) as i32;
    }
    // SAFETY: the caller gave a writable timespec.
    unsafe { ts.write(now) };
    0
}

/// `gettimeofday(tv, tz)`: the sandbox's time zone is UTC, as the system
/// call reports it.
///
/// # Safety
///
/// As the system call: `tv` and `tz`, when not null, must be writable.
unsafe fn gettimeofday_impl(tv: *mut Timeval, tz: *mut [u32; 2]) -> i32 {
    let mut now = Timespec { tv_sec: 0, tv_nsec: 0 };
    if !read_clock(CLOCK_REALTIME, &mut now) {
        return syscall2(sysno::GETTIMEOFDAY, tv as usize, tz as usize) as i32;
    }
    if !tv.is_null() {
        // SAFETY: the caller gave a writable timeval.
        unsafe { tv.write(Timeval { tv_sec: now.tv_sec, tv_usec: now.tv_nsec / 1000 }) };
    }
    if !tz.is_null() {
        // SAFETY: the caller gave a writable timezone.
        unsafe { tz.write([0, 0]) };
    }
    0
}

/// `time(t)`.
///
/// # Safety
///
/// As the system call: `t`, when not null, must be writable.
unsafe fn time_impl(t: *mut i64) -> i64 {
    let mut now = Timespec { tv_sec: 0, tv_nsec: 0 };
    if !read_clock(CLOCK_REALTIME, &mut now) {
        return syscall2(sysno::TIME, t as usize, 0);
    }
    if !t.is_null() {
        // SAFETY: the caller gave a writable time_t.
        unsafe { t.write(now.tv_sec) };
    }
    now.tv_sec
}

/// `clock_getres(clk, res)`.
///
/// # Safety
///
/// As the system call: `res`, when not null, must be writable.
unsafe fn clock_getres_impl(clk: i32, res: *mut Timespec) -> i32 {
    let page = clock_page();
    // SAFETY: the clock page is mapped readable with the image.
    let (served, coarse) = unsafe { (core::ptr::addr_of!((*page).served).read_volatile(), core::ptr::addr_of!((*page).coarse_res_nsec).read_volatile()) };
    let known = usize::try_from(clk).is_ok_and(|id| id < CLOCKS && served & (1 << id) != 0);
    if !known {
        return syscall2(sysno::CLOCK_GETRES, clk as usize, res as usize) as i32;
    }
    if !res.is_null() {
        let nsec = if clk == CLOCK_REALTIME_COARSE || clk == CLOCK_MONOTONIC_COARSE { coarse } else { 1 };
        // SAFETY: the caller gave a writable timespec.
        unsafe { res.write(Timespec { tv_sec: 0, tv_nsec: nsec }) };
    }
    0
}

/// `getcpu(cpu, node, cache)`: the host CPU modulo the sandbox's CPUs, on
/// node 0.
///
/// # Safety
///
/// As the system call: `cpu` and `node`, when not null, must be writable.
unsafe fn getcpu_impl(cpu: *mut u32, node: *mut u32, cache: usize) -> i32 {
    let page = clock_page();
    // SAFETY: the clock page is mapped readable with the image.
    let (flags, cpus) = unsafe { (core::ptr::addr_of!((*page).flags).read_volatile(), core::ptr::addr_of!((*page).cpus).read_volatile()) };
    let host = host();
    let mut host_cpu = 0u32;
    let ok = host.getcpu != 0 && cpus != 0 && flags & flags::GETCPU_SYSCALL == 0 && {
        // SAFETY: a function of the host's vDSO, with its C signature.
        let getcpu: extern "C" fn(*mut u32, *mut u32, usize) -> i32 = unsafe { core::mem::transmute(host.getcpu as usize) };
        getcpu(&mut host_cpu, core::ptr::null_mut(), 0) == 0
    };
    if !ok {
        let ret: i64;
        // SAFETY: as in `syscall2`, with the third argument.
        unsafe {
            asm!("syscall", inlateout("rax") sysno::GETCPU as i64 => ret, in("rdi") cpu, in("rsi") node, in("rdx") cache,
                 lateout("rcx") _, lateout("r11") _, options(nostack));
        }
        return ret as i32;
    }
    if !cpu.is_null() {
        // SAFETY: the caller gave a writable unsigned int.
        unsafe { cpu.write(host_cpu % cpus) };
    }
    if !node.is_null() {
        // SAFETY: as above.
        unsafe { node.write(0) };
    }
    0
}

/// Exports `$imp` under Linux's two names for it, `__vdso_$name` and
/// `$name` (each a plain call of the private body, so that no call goes
/// through a GOT entry needing relocation).
macro_rules! export {
    ($imp:ident: $prefixed:ident, $plain:ident; ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
            /// See the function of the same name without `__vdso_`.
            ///
            /// # Safety
            ///
            /// As the system call: its pointers, when not null, must be
            /// writable.
            #[no_mangle]
            pub unsafe extern "C" fn $prefixed($($arg: $ty),*) -> $ret {
                // SAFETY: the same contract.
                unsafe { $imp($($arg),*) }
            }

            /// The system call of this name, answered in the process.
            ///
            /// # Safety
            ///
            /// As the system call: its pointers, when not null, must be
            /// writable.
            #[no_mangle]
            pub unsafe extern "C" fn $plain($($arg: $ty),*) -> $ret {
                // SAFETY: the same contract.
                unsafe { $imp($($arg),*) }
            }
    };
}

export!(clock_gettime_impl: __vdso_clock_gettime, clock_gettime; (clk: i32, ts: *mut Timespec) -> i32);
export!(gettimeofday_impl: __vdso_gettimeofday, gettimeofday; (tv: *mut Timeval, tz: *mut [u32; 2]) -> i32);
export!(time_impl: __vdso_time, time; (t: *mut i64) -> i64);
export!(clock_getres_impl: __vdso_clock_getres, clock_getres; (clk: i32, res: *mut Timespec) -> i32);
export!(getcpu_impl: __vdso_getcpu, getcpu; (cpu: *mut u32, node: *mut u32, cache: usize) -> i32);

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Nothing here can panic (no indexing out of bounds, no division by a
    // value that may be zero but `cpus`, checked); the handler only
    // satisfies `no_std`.
    loop {
        core::hint::spin_loop();
    }
}
