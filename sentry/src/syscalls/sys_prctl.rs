//! prctl, arch_prctl and personality.

use std::sync::atomic::Ordering;

use abi::errno::{EINVAL, ENODEV, EPERM};
use abi::process::{arch_prctl as ap, prctl as pr, TASK_COMM_LEN};
use abi::sysno;

use super::{Args, SysResult};
use crate::auth::{secbit, CAP_LAST_CAP};
use crate::kernel::task::Task;
use crate::mm::TASK_SIZE;

/// `prctl` options this file knows beyond those in `abi::process::prctl`.
mod opt {
    pub const GET_KEEPCAPS: u64 = 7;
    pub const SET_KEEPCAPS: u64 = 8;
    pub const CAPBSET_READ: u64 = 23;
    pub const CAPBSET_DROP: u64 = 24;
    pub const GET_SECUREBITS: u64 = 27;
    pub const SET_SECUREBITS: u64 = 28;
    pub const CAP_AMBIENT: u64 = 47;
    pub const CAP_AMBIENT_IS_SET: u64 = 1;
    pub const CAP_AMBIENT_RAISE: u64 = 2;
    pub const CAP_AMBIENT_LOWER: u64 = 3;
    pub const CAP_AMBIENT_CLEAR_ALL: u64 = 4;
}

/// The highest signal number (`_NSIG`).
const NSIG: u64 = 64;
/// `SUID_DUMP_DISABLE` and `SUID_DUMP_USER`: what `PR_SET_DUMPABLE` accepts.
const DUMPABLE_MAX: u64 = 1;

/// `prctl(option, arg2, arg3, arg4, arg5)`.
pub fn prctl(t: &mut Task, a: Args) -> SysResult {
    let (arg2, arg3, arg4, arg5) = (a.u64(1), a.u64(2), a.u64(3), a.u64(4));
    match a.u64(0) as u32 as u64 {
        pr::SET_NAME => {
            let mut name = [0u8; TASK_COMM_LEN];
            let n = t.ctx.space().read_partial(arg2, &mut name[..TASK_COMM_LEN - 1]);
            let has_nul = name[..n].contains(&0);
            if n < TASK_COMM_LEN - 1 && !has_nul {
                return Err(abi::errno::EFAULT);
            }
            t.set_comm(&name[..n]);
            Ok(0)
        }
        pr::GET_NAME => {
            let comm = *t.comm.lock();
            t.copy_out_final(arg2, &comm)?;
            Ok(0)
        }
        pr::SET_PDEATHSIG => {
            if arg2 > NSIG {
                return Err(EINVAL);
            }
            t.set_pdeathsig(arg2 as i32);
            Ok(0)
        }
        pr::GET_PDEATHSIG => {
            let sig = t.pdeathsig();
            t.write_obj(arg2, &sig)?;
            Ok(0)
        }
        pr::GET_DUMPABLE => Ok(t.tg.dumpable.load(Ordering::Relaxed) as u64),
        pr::SET_DUMPABLE => {
            if arg2 > DUMPABLE_MAX {
                return Err(EINVAL);
            }
            t.tg.dumpable.store(arg2 as u32, Ordering::Relaxed);
            Ok(0)
        }
        pr::SET_CHILD_SUBREAPER => {
            t.tg.child_subreaper.store(arg2 != 0, Ordering::Relaxed);
            Ok(0)
        }
        pr::GET_CHILD_SUBREAPER => {
            let v = t.tg.child_subreaper.load(Ordering::Relaxed) as i32;
            t.write_obj(arg2, &v)?;
            Ok(0)
        }
        pr::SET_NO_NEW_PRIVS => {
            if arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(EINVAL);
            }
            t.no_new_privs.store(true, Ordering::Relaxed);
            Ok(0)
        }
        pr::GET_NO_NEW_PRIVS => {
            if arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(EINVAL);
            }
            Ok(t.no_new_privs.load(Ordering::Relaxed) as u64)
        }
        opt::GET_KEEPCAPS => Ok((t.tg.creds.lock().securebits & secbit::KEEP_CAPS != 0) as u64),
        opt::SET_KEEPCAPS => t.tg.creds.lock().set_keepcaps(arg2).map(|_| 0),
        opt::GET_SECUREBITS => Ok(t.tg.creds.lock().securebits as u64),
        opt::SET_SECUREBITS => t.tg.creds.lock().set_securebits(arg2).map(|_| 0),
        opt::CAPBSET_READ => {
            if arg2 > CAP_LAST_CAP as u64 {
                return Err(EINVAL);
            }
            Ok((t.tg.creds.lock().cap_bounding >> arg2) & 1)
        }
        opt::CAPBSET_DROP => t.tg.creds.lock().drop_bounding(arg2).map(|_| 0),
        opt::CAP_AMBIENT => cap_ambient(t, arg2, arg3, arg4 | arg5),
        _ => Err(EINVAL),
    }
}

/// `prctl(PR_CAP_AMBIENT, op, cap, rest...)`: `rest` is arg4 | arg5,
/// which must be 0.
fn cap_ambient(t: &mut Task, op: u64, c: u64, rest: u64) -> SysResult {
    let mut creds = t.tg.creds.lock();
    if op == opt::CAP_AMBIENT_CLEAR_ALL {
        if c != 0 || rest != 0 {
            return Err(EINVAL);
        }
        creds.cap_ambient = 0;
        return Ok(0);
    }
    if c > CAP_LAST_CAP as u64 || rest != 0 {
        return Err(EINVAL);
    }
    match op {
        opt::CAP_AMBIENT_IS_SET => Ok((creds.cap_ambient >> c) & 1),
        opt::CAP_AMBIENT_RAISE | opt::CAP_AMBIENT_LOWER => {
            creds.set_ambient(c as u32, op == opt::CAP_AMBIENT_RAISE).map(|_| 0)
        }
        _ => Err(EINVAL),
    }
}

/// `arch_prctl(code, addr)`.
pub fn arch_prctl(t: &mut Task, a: Args) -> SysResult {
    let (code, addr) = (a.u64(0), a.u64(1));
    match code {
        ap::SET_FS => {
            if addr >= TASK_SIZE {
                return Err(EPERM);
            }
            let r = t.ctx.host_op(sysno::ARCH_PRCTL as u64, [code, addr, 0, 0, 0, 0]).map_err(|_| EPERM)?;
            abi::Errno::from_ret(r)?;
            t.fs_base = addr;
            Ok(0)
        }
        ap::SET_GS => {
            // Recorded only: the host %gs of every app thread points at its
            // stub slot (the fast syscall entry finds it there).
            if addr >= TASK_SIZE {
                return Err(EPERM);
            }
            t.gs_base = addr;
            Ok(0)
        }
        ap::GET_FS => {
            let v = t.fs_base;
            t.write_obj(addr, &v).map(|_| 0)
        }
        ap::GET_GS => {
            let v = t.gs_base;
            t.write_obj(addr, &v).map(|_| 0)
        }
        ap::GET_CPUID => Ok(1),
        ap::SET_CPUID => Err(ENODEV),
        _ => Err(EINVAL),
    }
}

/// `personality(persona)`: sets the process's execution domain and flags
/// unless `persona` is `0xffffffff`; returns the old one. Linux accepts any
/// value; the sandbox acts on `ADDR_NO_RANDOMIZE` (the loader's layout),
/// and keeps the rest for the process to read back.
pub fn personality(t: &mut Task, a: Args) -> SysResult {
    let persona = a.uint(0);
    let old = if persona == abi::process::personality::QUERY {
        t.tg.personality.load(Ordering::Relaxed)
    } else {
        t.tg.personality.swap(persona, Ordering::Relaxed)
    };
    Ok(u64::from(old))
}
