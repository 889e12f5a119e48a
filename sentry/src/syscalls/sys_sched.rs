//! Scheduling: CPU affinity, getcpu, and scheduling policy queries.
//!
//! The sandbox's CPUs are numbered `0..application_cores`; a task's
//! affinity is a mask over them (`Task::affinity`, reachable by tid). Every task runs under
//! `SCHED_OTHER` with priority 0; the host schedules the sentry and stub
//! threads as it likes.

use abi::errno::{EINVAL, EPERM, ESRCH};

use super::sys_identity::find_process;
use super::{Args, SysResult};
use crate::auth::cap;
use crate::kernel::task::{all_cpus, Task};

/// Scheduling policies (`SCHED_*`).
mod policy {
    pub const OTHER: i32 = 0;
    pub const FIFO: i32 = 1;
    pub const RR: i32 = 2;
    pub const BATCH: i32 = 3;
    pub const IDLE: i32 = 5;
    pub const DEADLINE: i32 = 6;
    /// `SCHED_RESET_ON_FORK`, or'ed into a policy.
    pub const RESET_ON_FORK: i32 = 0x4000_0000;
}

/// The highest real-time priority (`MAX_RT_PRIO - 1`).
const MAX_RT_PRIORITY: u32 = 99;

/// The affinity mask of thread `pid` (0: the caller), any thread in the
/// sandbox, or ESRCH.
fn affinity_of(t: &Task, pid: i32) -> Result<std::sync::Arc<std::sync::atomic::AtomicU64>, abi::Errno> {
    if pid == 0 || pid == t.tid {
        return Ok(t.affinity.clone());
    }
    if pid < 0 {
        return Err(ESRCH);
    }
    t.kernel.tasks.handle(pid).map(|h| h.affinity).ok_or(ESRCH)
}

/// Whether the caller may change thread `pid`'s scheduling: its own, one
/// whose process's real or effective uid is the caller's effective uid,
/// or any with CAP_SYS_NICE (Linux's `check_same_owner`).
fn may_change(t: &Task, pid: i32) -> bool {
    if pid == 0 || pid == t.tid {
        return true;
    }
    let me = t.tg.creds.lock().clone();
    if me.has_cap(crate::auth::cap::SYS_NICE) {
        return true;
    }
    t.kernel.tasks.handle(pid).is_some_and(|h| {
        let them = h.tg.creds.lock();
        them.uid == me.euid || them.euid == me.euid
    })
}

/// Whether `pid` names a task the caller can find: itself, its process, or
/// another live process (see `find_process`).
fn is_known_task(t: &Task, pid: i32) -> bool {
    find_process(t, pid).is_some()
}

/// Bytes in a CPU mask of the sandbox (`cpumask_size()`): its CPUs rounded
/// up to whole longs.
fn cpumask_size(cores: u32) -> u32 {
    cores.div_ceil(64) * 8
}

/// `sched_getaffinity(pid, len, mask)`: returns the number of bytes
/// written, `min(len, cpumask_size)`.
pub fn sched_getaffinity(t: &mut Task, a: Args) -> SysResult {
    let cores = t.kernel.application_cores;
    let len = a.uint(1);
    // `len * BITS_PER_BYTE` is an unsigned int product in Linux: it wraps.
    if len.wrapping_mul(8) < cores || len & 7 != 0 {
        return Err(EINVAL);
    }
    let affinity = affinity_of(t, a.int(0))?.load(std::sync::atomic::Ordering::Relaxed);
    let mut bytes = vec![0u8; cpumask_size(cores) as usize];
    bytes[..8].copy_from_slice(&(affinity & all_cpus(cores)).to_le_bytes());
    let n = len.min(cpumask_size(cores));
    t.copy_out(a.u64(2), &bytes[..n as usize])?;
    Ok(n as u64)
}

/// `sched_setaffinity(pid, len, mask)`: bytes beyond the sandbox's mask
/// are ignored, missing ones read as 0; a mask with none of the sandbox's
/// CPUs is EINVAL.
pub fn sched_setaffinity(t: &mut Task, a: Args) -> SysResult {
    let cores = t.kernel.application_cores;
    let n = a.uint(1).min(cpumask_size(cores)).min(8) as usize;
    let mut bytes = [0u8; 8];
    t.copy_in(a.u64(2), &mut bytes[..n])?;
    let target = affinity_of(t, a.int(0))?;
    if !may_change(t, a.int(0)) {
        return Err(EPERM);
    }
    let mask = u64::from_le_bytes(bytes) & all_cpus(cores);
    if mask == 0 {
        return Err(EINVAL);
    }
    target.store(mask, std::sync::atomic::Ordering::Relaxed);
    if mask != all_cpus(cores) {
        // The vDSO cannot tell which CPUs a thread may use: its getcpu
        // asks the sentry from now on.
        if let Some(v) = &t.kernel.vdso {
            v.getcpu_traps();
        }
    }
    Ok(0)
}

/// The CPU host CPU `host` stands for in a sandbox of `cores` CPUs, for a
/// task allowed on `affinity`: the host CPU modulo the sandbox's, if the
/// task may run there, else the lowest CPU it may run on.
fn sandbox_cpu(host: u32, cores: u32, affinity: u64) -> u32 {
    let affinity = affinity & all_cpus(cores);
    let cpu = host % cores.max(1);
    if cpu < 64 && affinity & (1 << cpu) != 0 {
        cpu
    } else if affinity != 0 {
        affinity.trailing_zeros()
    } else {
        0
    }
}

/// The host CPU the calling sentry thread runs on.
fn host_cpu() -> u32 {
    nix::sched::sched_getcpu().map_or(0, |cpu| u32::try_from(cpu).unwrap_or(0))
}

/// `getcpu(cpu, node, cache)`: either pointer may be NULL; the node is
/// always 0 and the cache argument is ignored, as Linux does.
pub fn getcpu(t: &mut Task, a: Args) -> SysResult {
    let cpu = sandbox_cpu(host_cpu(), t.kernel.application_cores, t.affinity.load(std::sync::atomic::Ordering::Relaxed));
    let mut ok = true;
    if a.u64(0) != 0 {
        ok &= t.write_obj(a.u64(0), &cpu).is_ok();
    }
    if a.u64(1) != 0 {
        ok &= t.write_obj(a.u64(1), &0u32).is_ok();
    }
    if ok {
        Ok(0)
    } else {
        Err(abi::errno::EFAULT)
    }
}

/// `sched_getscheduler(pid)`: always `SCHED_OTHER`.
pub fn sched_getscheduler(t: &mut Task, a: Args) -> SysResult {
    let pid = a.int(0);
    if pid < 0 {
        return Err(EINVAL);
    }
    if !is_known_task(t, pid) {
        return Err(ESRCH);
    }
    Ok(policy::OTHER as u64)
}

/// `sched_getparam(pid, param)`: priority 0.
pub fn sched_getparam(t: &mut Task, a: Args) -> SysResult {
    let (pid, param) = (a.int(0), a.u64(1));
    if param == 0 || pid < 0 {
        return Err(EINVAL);
    }
    if !is_known_task(t, pid) {
        return Err(ESRCH);
    }
    t.write_obj(param, &0i32)?;
    Ok(0)
}

/// Checks a policy and priority as `__sched_setscheduler` does before it
/// looks at permissions: EINVAL for an unknown policy, a priority above
/// 99, a real-time policy without a priority or another with one, or
/// `SCHED_DEADLINE` (whose parameters the old interface cannot give).
fn check_policy(policy: i32, priority: i32) -> Result<(), abi::Errno> {
    let rt = matches!(policy, policy::FIFO | policy::RR);
    if !matches!(policy, policy::OTHER | policy::FIFO | policy::RR | policy::BATCH | policy::IDLE | policy::DEADLINE) {
        return Err(EINVAL);
    }
    let priority = priority as u32;
    if priority > MAX_RT_PRIORITY || rt != (priority != 0) || policy == policy::DEADLINE {
        return Err(EINVAL);
    }
    Ok(())
}

/// Reads `struct sched_param` for a change to task `pid`, in Linux's
/// order: EINVAL for a NULL pointer or negative pid, EFAULT, ESRCH. Also
/// says whether the caller may change the task's scheduling without
/// privilege (`check_same_owner`: its effective uid is the task's real or
/// effective one).
fn read_param(t: &mut Task, pid: i32, param: u64) -> Result<(i32, bool), abi::Errno> {
    if param == 0 || pid < 0 {
        return Err(EINVAL);
    }
    let priority = t.read_obj::<i32>(param)?;
    let target = find_process(t, pid).ok_or(ESRCH)?;
    let euid = t.tg.creds.lock().euid;
    let same_owner = {
        let them = target.creds.lock();
        euid == them.euid || euid == them.uid
    };
    Ok((priority, same_owner))
}

/// The permission check of a change that keeps `SCHED_OTHER` at priority
/// 0 (`user_check_sched_setscheduler`): another owner's task needs
/// `CAP_SYS_NICE`.
fn check_owner(t: &Task, same_owner: bool) -> Result<(), abi::Errno> {
    if same_owner || t.tg.creds.lock().has_cap(cap::SYS_NICE) {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// `sched_setscheduler(pid, policy, param)`: `SCHED_OTHER` with priority 0
/// succeeds (it is what every task has); invalid arguments are EINVAL as
/// on Linux; every other valid policy, and `SCHED_RESET_ON_FORK`, is EPERM
/// (the sandbox does not schedule).
pub fn sched_setscheduler(t: &mut Task, a: Args) -> SysResult {
    let (pid, policy) = (a.int(0), a.int(1));
    if policy < 0 {
        return Err(EINVAL);
    }
    let (priority, same_owner) = read_param(t, pid, a.u64(2))?;
    let reset_on_fork = policy & policy::RESET_ON_FORK != 0;
    let policy = policy & !policy::RESET_ON_FORK;
    check_policy(policy, priority)?;
    if policy != policy::OTHER || reset_on_fork {
        return Err(EPERM);
    }
    check_owner(t, same_owner)?;
    Ok(0)
}

/// `sched_setparam(pid, param)`: the policy stays `SCHED_OTHER`, so only
/// priority 0 is valid.
pub fn sched_setparam(t: &mut Task, a: Args) -> SysResult {
    let (priority, same_owner) = read_param(t, a.int(0), a.u64(1))?;
    check_policy(policy::OTHER, priority)?;
    check_owner(t, same_owner)?;
    Ok(0)
}

/// `sched_rr_get_interval(pid, interval)`: every task runs under
/// `SCHED_OTHER`, whose slice the sandbox does not know: 0, as Linux
/// reports for a fair-class task on an idle run queue.
pub fn sched_rr_get_interval(t: &mut Task, a: Args) -> SysResult {
    let pid = a.int(0);
    if pid < 0 {
        return Err(EINVAL);
    }
    if !is_known_task(t, pid) {
        return Err(ESRCH);
    }
    t.write_obj(a.u64(1), &abi::time::Timespec { tv_sec: 0, tv_nsec: 0 })?;
    Ok(0)
}

/// `getpriority` and `setpriority`'s `which`.
mod prio {
    pub const PROCESS: i32 = 0;
    pub const PGRP: i32 = 1;
    pub const USER: i32 = 2;
}

/// The lowest and highest nice values.
const MIN_NICE: i32 = -20;
const MAX_NICE: i32 = 19;

/// The threads `which` and `who` select for `getpriority` and
/// `setpriority`: one thread by tid, every thread of the processes of a
/// process group, or every thread whose real uid is `who` (0: the
/// caller, its group, its real uid).
fn priority_targets(t: &Task, which: i32, who: i32) -> Result<Vec<crate::kernel::task::TaskHandle>, abi::Errno> {
    let tasks = &t.kernel.tasks;
    Ok(match which {
        prio::PROCESS => {
            let tid = if who == 0 { t.tid } else { who };
            if tid < 0 {
                Vec::new()
            } else {
                tasks.handle(tid).into_iter().collect()
            }
        }
        prio::PGRP => {
            let pgid = if who == 0 { tasks.group_and_session(t.tg.tgid)?.0 } else { who };
            tasks.group_members(pgid).into_iter().flat_map(|pid| tasks.threads_of(pid)).collect()
        }
        prio::USER => {
            let uid = if who == 0 { t.tg.creds.lock().uid } else { who as u32 };
            tasks.all_processes().into_iter().flat_map(|pid| tasks.threads_of(pid)).filter(|h| h.tg.creds.lock().uid == uid).collect()
        }
        _ => return Err(EINVAL),
    })
}

/// `getpriority(which, who)`: the highest priority among the selected
/// threads, as the raw call returns it (`20 - nice`, 1 to 40).
pub fn getpriority(t: &mut Task, a: Args) -> SysResult {
    let targets = priority_targets(t, a.int(0), a.int(1))?;
    let nice = targets.iter().map(|h| h.nice.load(std::sync::atomic::Ordering::Relaxed)).min().ok_or(ESRCH)?;
    Ok((20 - nice) as u64)
}

/// Whether a thread whose nice value is `current` and whose
/// `RLIMIT_NICE` is `limit` may be given `nice` (Linux's `can_nice`,
/// checked only when the value goes down): `20 - nice` within the limit,
/// or `CAP_SYS_NICE`.
fn may_set_nice(nice: i32, current: i32, limit: u64, has_cap: bool) -> bool {
    nice >= current || (20 - nice) as u64 <= limit || has_cap
}

/// `setpriority(which, who, nice)`: the value is clamped to -20..19 and
/// recorded for each selected thread (the host schedules as it likes).
/// As on Linux, the error is the last thread's refusal (EPERM when the
/// caller's effective uid is neither of its uids without
/// `CAP_SYS_NICE`, EACCES when lowering it is not allowed), ESRCH when
/// none was found.
pub fn setpriority(t: &mut Task, a: Args) -> SysResult {
    let nice = a.int(2).clamp(MIN_NICE, MAX_NICE);
    let targets = priority_targets(t, a.int(0), a.int(1))?;
    let me = t.tg.creds.lock().clone();
    let has_cap = me.has_cap(cap::SYS_NICE);
    let mut result = Err(ESRCH);
    for h in targets {
        let same_owner = {
            let them = h.tg.creds.lock();
            them.uid == me.euid || them.euid == me.euid
        };
        if !same_owner && !has_cap {
            result = Err(EPERM);
            continue;
        }
        let limit = h.tg.limits.lock().get(abi::process::rlimit::NICE).map_or(0, |l| l.cur);
        if !may_set_nice(nice, h.nice.load(std::sync::atomic::Ordering::Relaxed), limit, has_cap) {
            result = Err(abi::errno::EACCES);
            continue;
        }
        if result == Err(ESRCH) {
            result = Ok(0);
        }
        h.nice.store(nice, std::sync::atomic::Ordering::Relaxed);
    }
    result
}

/// `sched_get_priority_max(policy)`.
pub fn sched_get_priority_max(_: &mut Task, a: Args) -> SysResult {
    match a.int(0) {
        policy::FIFO | policy::RR => Ok(MAX_RT_PRIORITY as u64),
        policy::OTHER | policy::BATCH | policy::IDLE | policy::DEADLINE => Ok(0),
        _ => Err(EINVAL),
    }
}

/// `sched_get_priority_min(policy)`.
pub fn sched_get_priority_min(_: &mut Task, a: Args) -> SysResult {
    match a.int(0) {
        policy::FIFO | policy::RR => Ok(1),
        policy::OTHER | policy::BATCH | policy::IDLE | policy::DEADLINE => Ok(0),
        _ => Err(EINVAL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_sizes_round_up_to_longs() {
        assert_eq!(cpumask_size(1), 8);
        assert_eq!(cpumask_size(64), 8);
        assert_eq!(cpumask_size(65), 16);
    }

    #[test]
    fn getcpu_stays_within_the_affinity() {
        assert_eq!(sandbox_cpu(5, 4, 0b1111), 1);
        assert_eq!(sandbox_cpu(5, 4, 0b1100), 2);
        assert_eq!(sandbox_cpu(3, 4, 0b1000), 3);
        assert_eq!(sandbox_cpu(7, 1, 1), 0);
        assert_eq!(sandbox_cpu(70, 128, u64::MAX), 0, "CPUs beyond 64 are not modelled");
    }

    #[test]
    fn lowering_nice_needs_the_limit_or_the_capability() {
        assert!(may_set_nice(5, 0, 0, false), "raising is always allowed");
        assert!(may_set_nice(0, 0, 0, false), "keeping is always allowed");
        assert!(!may_set_nice(-1, 0, 0, false));
        assert!(may_set_nice(-1, 0, 21, false), "RLIMIT_NICE 21 allows -1");
        assert!(!may_set_nice(-2, 0, 21, false));
        assert!(may_set_nice(-20, 0, 0, true));
        assert!(!may_set_nice(3, 5, 16, false), "20 - 3 is above a limit of 16");
    }

    #[test]
    fn policies_are_checked_as_linux_does() {
        assert_eq!(check_policy(policy::OTHER, 0), Ok(()));
        assert_eq!(check_policy(policy::OTHER, 1), Err(EINVAL));
        assert_eq!(check_policy(policy::FIFO, 0), Err(EINVAL));
        assert_eq!(check_policy(policy::FIFO, 99), Ok(()));
        assert_eq!(check_policy(policy::RR, 100), Err(EINVAL));
        assert_eq!(check_policy(policy::BATCH, -1), Err(EINVAL));
        assert_eq!(check_policy(4, 0), Err(EINVAL));
        assert_eq!(check_policy(policy::DEADLINE, 0), Err(EINVAL));
    }
}
