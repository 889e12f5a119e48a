//! The x86_64 signal frame, as Linux's `setup_rt_frame` lays it out on the
//! app's stack, and the checks `rt_sigreturn` makes of a frame it is given.
//!
//! ```text
//!   higher addresses      the interrupted stack pointer
//!                         128 bytes of red zone, left alone
//!   fpstate (64-aligned)  fxsave area, xsave header and components,
//!                         then FP_XSTATE_MAGIC2
//!   rt_sigframe           pretcode (the restorer), ucontext, siginfo;
//!                         placed so that the handler's rsp + 8 is
//!                         16-byte aligned, as after a call
//! ```

use abi::regs::Regs;
use abi::signal::{fpstate as fp, SigInfo, StackT, UContext};

/// Linux's `struct rt_sigframe` on x86_64.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RtSigframe {
    /// Where the handler returns: the action's `sa_restorer`.
    pub pretcode: u64,
    /// The interrupted context.
    pub uc: UContext,
    /// The signal's siginfo.
    pub info: SigInfo,
}
abi::impl_pod!(RtSigframe);
const _: () = assert!(std::mem::size_of::<RtSigframe>() == 440);

/// Offset of the ucontext in the frame (`rdx` for the handler).
pub const UC_OFFSET: u64 = 8;
/// Offset of the siginfo in the frame (`rsi` for the handler).
pub const INFO_OFFSET: u64 = 8 + std::mem::size_of::<UContext>() as u64;

/// The x86_64 red zone below the stack pointer, which a frame must skip.
const RED_ZONE: u64 = 128;

/// Where a frame goes: its start (the handler's `rsp`) and its FP area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The frame, and the handler's stack pointer.
    pub frame: u64,
    /// The FP area (64-byte aligned).
    pub fpstate: u64,
}

/// Lays out a frame with an FP area of `fp_len` bytes below `top`: the
/// interrupted stack pointer, or the top of the alternate stack (then
/// `on_altstack`, and no red zone is skipped). `None` if it would wrap.
pub fn layout(top: u64, on_altstack: bool, fp_len: usize) -> Option<Layout> {
    let sp = if on_altstack { top } else { top.checked_sub(RED_ZONE)? };
    let fpstate = sp.checked_sub(fp_len as u64)? & !63;
    let frame = (fpstate.checked_sub(std::mem::size_of::<RtSigframe>() as u64)? & !15).checked_sub(8)?;
    Some(Layout { frame, fpstate })
}

/// The alternate signal stack of a thread (`sigaltstack`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AltStack {
    /// Its lowest address.
    pub sp: u64,
    /// Its size; 0 when disabled.
    pub size: u64,
    /// The flags it was set with, as given (`SS_DISABLE`, `SS_ONSTACK`,
    /// `SS_AUTODISARM`): what a signal frame's `uc_stack` shows.
    pub flags: i32,
}

impl AltStack {
    /// No alternate stack, as a new thread or a disarmed stack has it.
    pub const DISABLED: AltStack = AltStack { sp: 0, size: 0, flags: abi::signal::SS_DISABLE };

    /// Whether `sp` lies on the stack (Linux's `on_sig_stack`; a stack
    /// with `SS_AUTODISARM` is never considered in use).
    pub fn contains(&self, sp: u64) -> bool {
        self.flags & abi::signal::SS_AUTODISARM == 0 && self.spans(sp)
    }

    /// Whether `sp` lies within the stack's memory, disarmed or not (what
    /// a frame built on it must respect).
    pub fn spans(&self, sp: u64) -> bool {
        sp > self.sp && sp - self.sp <= self.size
    }

    /// Linux's `sas_ss_flags`: `SS_DISABLE`, `SS_ONSTACK` when `sp` is on
    /// the stack, else 0 (a handler may then switch to it).
    pub fn mode_at(&self, sp: u64) -> i32 {
        if self.size == 0 {
            abi::signal::SS_DISABLE
        } else if self.contains(sp) {
            abi::signal::SS_ONSTACK
        } else {
            0
        }
    }

    /// The `stack_t` `sigaltstack` reports with `sp` the stack pointer.
    pub fn report(&self, sp: u64) -> StackT {
        StackT { sp: self.sp, flags: self.mode_at(sp) | (self.flags & abi::signal::SS_AUTODISARM), pad: 0, size: self.size }
    }

    /// The `stack_t` a signal frame saves.
    pub fn saved(&self) -> StackT {
        StackT { sp: self.sp, flags: self.flags, pad: 0, size: self.size }
    }
}

/// The registers a handler starts with, from those interrupted: `signo`,
/// the siginfo and the ucontext in its argument registers, the direction,
/// trap and resume flags cleared, everything else as it was (Linux's
/// `setup_rt_frame`).
pub fn handler_regs(interrupted: &Regs, handler: u64, frame: u64, signo: i32) -> Regs {
    const CLEARED: u64 = 0x400 | 0x100 | 0x10000; // DF, TF, RF
    Regs {
        rip: handler,
        rsp: frame,
        rdi: signo as u64,
        rsi: frame + INFO_OFFSET,
        rdx: frame + UC_OFFSET,
        rax: 0,
        eflags: interrupted.eflags & !CLEARED,
        ..*interrupted
    }
}

/// The registers `rt_sigreturn` resumes with: the saved ones, except that
/// only the user-changeable `eflags` bits come from the frame and the
/// segment selectors stay the kernel's.
pub fn restored_regs(current: &Regs, saved: &Regs) -> Regs {
    Regs {
        eflags: (current.eflags & !abi::regs::USER_EFLAGS) | (saved.eflags & abi::regs::USER_EFLAGS),
        csgsfs: current.csgsfs,
        ..*saved
    }
}

/// Reads a little-endian word of `N` bytes at `off`.
fn word<const N: usize>(b: &[u8], off: usize) -> u64 {
    let mut w = [0u8; 8];
    w[..N].copy_from_slice(&b[off..off + N]);
    u64::from_le_bytes(w)
}

/// Whether an FP area from the app carries a complete xsave layout of
/// `len` bytes (`len` as the kernel's own frames have it), as Linux's
/// `check_xstate_in_sigframe` decides.
pub fn has_xstate(area: &[u8], len: usize) -> bool {
    area.len() >= len
        && len > fp::FXSAVE_SIZE + fp::XSAVE_HEADER_SIZE
        && word::<4>(area, fp::SW_MAGIC1) == fp::FP_XSTATE_MAGIC1 as u64
        && word::<4>(area, fp::SW_EXTENDED_SIZE) as usize == len
        && word::<4>(area, len - 4) == fp::FP_XSTATE_MAGIC2 as u64
}

/// Checks the FP state `app` that a frame given to `rt_sigreturn` holds,
/// against `host`: the FP area of the thread's current (stub) frame, which
/// fixes the layout and the features this CPU has. Returns what to put in
/// `host`'s place, or `None` for a state the CPU would refuse (reserved
/// MXCSR bits, an xsave header with unknown features, a compacted format
/// or non-zero reserved words): Linux then kills the task with SIGSEGV.
/// A frame with only the legacy area restores x87 and SSE and resets the
/// other components, as Linux does.
pub fn sanitize_fpstate(app: &[u8], host: &[u8]) -> Option<Vec<u8>> {
    if host.len() < fp::FXSAVE_SIZE || app.len() < fp::FXSAVE_SIZE {
        return None;
    }
    let mxcsr_mask = match word::<4>(host, fp::MXCSR_MASK) as u32 {
        0 => 0xffbf,
        m => m,
    };
    if word::<4>(app, fp::MXCSR) as u32 & !mxcsr_mask != 0 {
        return None;
    }
    let mut out = host.to_vec();
    // The legacy area, but the software-reserved words stay the kernel's.
    out[..fp::SW_MAGIC1].copy_from_slice(&app[..fp::SW_MAGIC1]);
    if host.len() == fp::FXSAVE_SIZE {
        return Some(out);
    }
    let header = fp::FXSAVE_SIZE..fp::FXSAVE_SIZE + fp::XSAVE_HEADER_SIZE;
    if has_xstate(app, host.len()) {
        let features = word::<8>(host, fp::SW_XFEATURES);
        let bv = word::<8>(app, fp::XSTATE_BV);
        if bv & !features != 0 || app[fp::XCOMP_BV..header.end].iter().any(|&b| b != 0) {
            return None;
        }
        let xstate_end = host.len() - 4;
        out[header.start..xstate_end].copy_from_slice(&app[header.start..xstate_end]);
    } else {
        out[header.clone()].fill(0);
        out[fp::XSTATE_BV..fp::XSTATE_BV + 8].copy_from_slice(&fp::XFEATURES_FP_SSE.to_le_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An FP area as the kernel writes one: xsave layout of `len` bytes.
    fn kernel_area(len: usize) -> Vec<u8> {
        let mut a = vec![0u8; len];
        a[fp::MXCSR..fp::MXCSR + 4].copy_from_slice(&0x1f80u32.to_le_bytes());
        a[fp::MXCSR_MASK..fp::MXCSR_MASK + 4].copy_from_slice(&0xffffu32.to_le_bytes());
        a[fp::SW_MAGIC1..fp::SW_MAGIC1 + 4].copy_from_slice(&fp::FP_XSTATE_MAGIC1.to_le_bytes());
        a[fp::SW_EXTENDED_SIZE..fp::SW_EXTENDED_SIZE + 4].copy_from_slice(&(len as u32).to_le_bytes());
        a[fp::SW_XFEATURES..fp::SW_XFEATURES + 8].copy_from_slice(&7u64.to_le_bytes());
        a[fp::SW_XSTATE_SIZE..fp::SW_XSTATE_SIZE + 4].copy_from_slice(&(len as u32 - 4).to_le_bytes());
        a[fp::XSTATE_BV..fp::XSTATE_BV + 8].copy_from_slice(&7u64.to_le_bytes());
        a[len - 4..].copy_from_slice(&fp::FP_XSTATE_MAGIC2.to_le_bytes());
        a
    }

    #[test]
    fn frames_are_aligned_and_skip_the_red_zone() {
        let l = layout(0x7fff_0000_1003, false, 836).unwrap();
        assert_eq!(l.fpstate % 64, 0);
        assert!(l.fpstate + 836 <= 0x7fff_0000_1003 - 128);
        assert_eq!((l.frame + 8) % 16, 0);
        assert!(l.frame + 440 <= l.fpstate);
        let alt = layout(0x10000, true, 512).unwrap();
        assert!(alt.fpstate + 512 <= 0x10000 && alt.fpstate + 512 > 0x10000 - 64);
        assert_eq!(layout(100, false, 512), None);
    }

    #[test]
    fn altstack_flags() {
        let mut s = AltStack { sp: 0x1000, size: 0x1000, flags: 0 };
        assert_eq!(s.mode_at(0x1800), abi::signal::SS_ONSTACK);
        assert_eq!(s.mode_at(0x1000), 0);
        assert_eq!(s.mode_at(0x2000), abi::signal::SS_ONSTACK);
        s.flags = abi::signal::SS_AUTODISARM;
        assert!(!s.contains(0x1800));
        assert_eq!(s.report(0x1800).flags, abi::signal::SS_AUTODISARM);
        assert_eq!(AltStack::DISABLED.report(5).flags, abi::signal::SS_DISABLE);
        assert_eq!(AltStack::default().saved().flags, 0);
    }

    #[test]
    fn a_valid_state_is_taken_whole() {
        let host = kernel_area(836);
        let mut app = host.clone();
        app[200] = 0x55;
        app[600] = 0x66;
        let out = sanitize_fpstate(&app, &host).unwrap();
        assert_eq!(out[200], 0x55);
        assert_eq!(out[600], 0x66);
    }

    #[test]
    fn bad_states_are_refused() {
        let host = kernel_area(836);
        let mut app = host.clone();
        app[fp::MXCSR + 2] = 1;
        assert_eq!(sanitize_fpstate(&app, &host), None);
        let mut app = host.clone();
        app[fp::XSTATE_BV] = 0xff;
        assert_eq!(sanitize_fpstate(&app, &host), None);
        let mut app = host.clone();
        app[fp::XCOMP_BV + 7] = 0x80;
        assert_eq!(sanitize_fpstate(&app, &host), None);
    }

    #[test]
    fn a_legacy_state_resets_the_rest() {
        let host = kernel_area(836);
        let mut app = vec![0u8; 512];
        app[fp::MXCSR..fp::MXCSR + 4].copy_from_slice(&0x1f80u32.to_le_bytes());
        app[300] = 9;
        let out = sanitize_fpstate(&app, &host).unwrap();
        assert_eq!(out[300], 9);
        assert_eq!(word::<8>(&out, fp::XSTATE_BV), fp::XFEATURES_FP_SSE);
        assert_eq!(word::<4>(&out, fp::SW_MAGIC1), fp::FP_XSTATE_MAGIC1 as u64);
        assert_eq!(&out[832..], &fp::FP_XSTATE_MAGIC2.to_le_bytes());
    }
}
