//! prctl and arch_prctl.

use abi::errno::{EINVAL, ENODEV, EPERM};
use abi::process::{arch_prctl as ap, prctl as pr, TASK_COMM_LEN};
use abi::sysno;

use super::{Args, SysResult};
use crate::kernel::task::Task;
use crate::mm::TASK_SIZE;

/// `prctl(option, arg2, arg3, arg4, arg5)`.
pub fn prctl(t: &mut Task, a: Args) -> SysResult {
    match a.u64(0) as u32 as u64 {
        pr::SET_NAME => {
            let mut name = [0u8; TASK_COMM_LEN];
            let n = t.ctx.space().read_partial(a.u64(1), &mut name[..TASK_COMM_LEN - 1]);
            let has_nul = name[..n].contains(&0);
            if n < TASK_COMM_LEN - 1 && !has_nul {
                return Err(abi::errno::EFAULT);
            }
            t.set_comm(&name[..n]);
            Ok(0)
        }
        pr::GET_NAME => {
            let comm = t.comm;
            t.copy_out_final(a.u64(1), &comm)?;
            Ok(0)
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
