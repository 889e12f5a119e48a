//! The Linux x86_64 ABI as the sandbox sees it, and the wire format shared by
//! the stub and the sentry.
//!
//! Everything here is plain data: numbers, flags and `#[repr(C)]` layouts.
//! The crate is `no_std` so that the freestanding stub can use it.
#![no_std]

pub mod elf;
pub mod errno;
pub mod fs;
pub mod mm;
pub mod process;
pub mod regs;
pub mod signal;
pub mod socket;
pub mod time;
pub mod vdso;
pub mod wire;

/// System call numbers (`__NR_*`).
pub mod sysno {
    pub use crate::generated::sysno::*;
}

mod generated {
    pub mod errno;
    pub mod sysno;
}

pub use errno::Errno;

/// The page size of x86_64 Linux.
pub const PAGE_SIZE: u64 = 4096;

/// Rounds `x` down to a page boundary.
pub const fn page_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

/// Rounds `x` up to a page boundary, or `None` on overflow.
pub const fn page_up(x: u64) -> Option<u64> {
    match x.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(v & !(PAGE_SIZE - 1)),
        None => None,
    }
}

/// Marks `#[repr(C)]` types made only of integers, with no padding, so that
/// any byte pattern is a valid value and the value can be viewed as bytes.
///
/// # Safety
///
/// Implementors must be `#[repr(C)]`, contain only integer fields (or arrays
/// of them), and have no padding bytes.
pub unsafe trait Pod: Copy + 'static {
    /// The value's bytes.
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: Pod types have no padding, so every byte is initialised.
        unsafe { core::slice::from_raw_parts(self as *const Self as *const u8, core::mem::size_of::<Self>()) }
    }
    /// The value's bytes, writable.
    fn as_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: Pod types accept any byte pattern.
        unsafe { core::slice::from_raw_parts_mut(self as *mut Self as *mut u8, core::mem::size_of::<Self>()) }
    }
    /// A value made of all zero bytes.
    fn zeroed() -> Self {
        // SAFETY: Pod types accept any byte pattern, zero included.
        unsafe { core::mem::zeroed() }
    }
    /// Reads a value from the start of `bytes`, if it is long enough.
    fn read_from(bytes: &[u8]) -> Option<Self> {
        let mut v = Self::zeroed();
        let n = core::mem::size_of::<Self>();
        v.as_bytes_mut().copy_from_slice(bytes.get(..n)?);
        Some(v)
    }
}

/// Implements [`Pod`] for types whose layout has been checked to qualify.
#[macro_export]
macro_rules! impl_pod {
    ($($t:ty),* $(,)?) => {$(
        // SAFETY: the type is repr(C), integer-only and padding-free.
        unsafe impl $crate::Pod for $t {}
    )*};
}

impl_pod!(u8, u16, u32, u64, i32, i64, usize);
// SAFETY: arrays of Pod types are Pod.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}
