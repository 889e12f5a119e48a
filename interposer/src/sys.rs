//! The host system calls the interposer makes, as small functions.
//!
//! Most go through the `nix` and `memfd` crates. The rest call libc
//! directly, each in a small function with its reason: the futex on a word
//! of the shared region (nix has no futex), `sched_getcpu` (it runs at
//! every wait on a slot, and nix's wrapper costs more), `tgkill` (nix has
//! none, and the kick is a real-time signal its `Signal` cannot name),
//! `pidfd_open` and `pidfd_send_signal` (nix 0.32 has no pidfd calls), and
//! `waitid` on a pidfd (nix's `WaitStatus` cannot hold a death by a
//! real-time signal). Unsafe code over the shared region's memory lives in
//! `region`.

use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut};
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;

use nix::errno::Errno;
use nix::sys::mman::{self, MapFlags, ProtFlags};
use nix::sys::socket::{self, ControlMessage, MsgFlags, UnixAddr};
use nix::sys::signal::Signal;
use nix::sys::time::TimeSpec;
use nix::sys::uio::{self, RemoteIoVec};
use nix::time::ClockId;
use nix::unistd::Pid;

/// The one raw `futex(2)` call: nix has no futex wrapper, and the word
/// lives in memory shared with another process, so only a raw system call
/// on its address will do. `timeout` is read only by `FUTEX_WAIT`.
fn futex(word: &AtomicU32, op: libc::c_int, val: u32, timeout: Option<&TimeSpec>) {
    let timeout = timeout.map_or(std::ptr::null(), |t| t.as_ref() as *const libc::timespec);
    // SAFETY: `word` is a valid, aligned u32 and `timeout` null or a valid
    // timespec, both for the duration of the call; the kernel reads nothing
    // else and writes nothing at all for FUTEX_WAIT and FUTEX_WAKE.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), op, val, timeout);
    }
}

/// Sleeps while `*word == val` (a shared futex: the word lives in a memfd
/// mapped by another process too). Spurious returns are fine for callers.
pub fn futex_wait(word: &AtomicU32, val: u32) {
    futex(word, libc::FUTEX_WAIT, val, None);
}

/// As [`futex_wait`], giving up after `timeout`.
pub fn futex_wait_timeout(word: &AtomicU32, val: u32, timeout: std::time::Duration) {
    futex(word, libc::FUTEX_WAIT, val, Some(&TimeSpec::from_duration(timeout)));
}

/// Wakes every waiter on `word`.
pub fn futex_wake(word: &AtomicU32) {
    futex(word, libc::FUTEX_WAKE, i32::MAX as u32, None);
}

/// The CPU this thread runs on, plus one (0 if the host cannot tell);
/// glibc reads it from the thread's rseq area, without a system call.
///
/// Called at every wait on a slot, so it calls libc directly: nix's
/// `sched_getcpu` is not inlined and returns a `Result` through memory,
/// which measured 4-5 ns more per call here (about 7 ns against 12).
pub fn current_cpu() -> u32 {
    // SAFETY: sched_getcpu takes no arguments and touches none of our memory.
    let cpu = unsafe { libc::sched_getcpu() };
    u32::try_from(cpu).ok().and_then(|c| c.checked_add(1)).unwrap_or(0)
}

/// Creates an empty close-on-exec memfd named `name`.
pub fn memfd(name: &str) -> io::Result<File> {
    match memfd::MemfdOptions::default().close_on_exec(true).create(name) {
        Ok(fd) => Ok(fd.into_file()),
        Err(memfd::Error::Create(e) | memfd::Error::AddSeals(e) | memfd::Error::GetSeals(e)) => Err(e),
    }
}

/// Maps `len` bytes of `fd` shared and read-write; returns the address.
pub fn map_shared(fd: &OwnedFd, len: usize) -> io::Result<NonNull<u8>> {
    let len = NonZeroUsize::new(len).ok_or(io::ErrorKind::InvalidInput)?;
    // SAFETY: no address is given, so the kernel places the new mapping
    // where it overlaps nothing of ours.
    let p = unsafe { mman::mmap(None, len, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE, MapFlags::MAP_SHARED, fd, 0) }?;
    Ok(p.cast())
}

/// Unmaps a mapping made by [`map_shared`].
///
/// # Safety
///
/// Nothing may use the mapping afterwards.
pub unsafe fn unmap(addr: NonNull<u8>, len: usize) {
    // SAFETY: the caller guarantees the mapping is no longer used. It can
    // only fail for a range that is not a mapping, which it is.
    let _ = unsafe { mman::munmap(addr.cast(), len) };
}

/// Copies app memory of process `pid` at `addr` into `buf`; returns the
/// number of bytes copied (short at the first inaccessible page).
pub fn process_vm_read(pid: i32, addr: u64, buf: &mut [u8]) -> io::Result<usize> {
    let remote = RemoteIoVec { base: addr as usize, len: buf.len() };
    Ok(uio::process_vm_readv(Pid::from_raw(pid), &mut [IoSliceMut::new(buf)], &[remote])?)
}

/// Copies app memory of process `pid` at `addr` into `room`, which need
/// not be initialised; returns the number of bytes copied (they are then
/// initialised). libc: nix's `process_vm_readv` takes initialised buffers
/// only, and zeroing a large one first costs as much as the copy.
pub fn process_vm_read_uninit(pid: i32, addr: u64, room: &mut [std::mem::MaybeUninit<u8>]) -> io::Result<usize> {
    let local = libc::iovec { iov_base: room.as_mut_ptr().cast(), iov_len: room.len() };
    let remote = libc::iovec { iov_base: addr as *mut libc::c_void, iov_len: room.len() };
    // SAFETY: the local iovec covers `room`, writable memory of ours that
    // the kernel only writes (any byte pattern is a valid `u8`); the
    // remote one names the other process's memory, which the kernel
    // checks.
    let n = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    Ok(Errno::result(n)? as usize)
}

/// Copies `buf` into app memory of process `pid` at `addr`; returns the
/// number of bytes copied.
pub fn process_vm_write(pid: i32, addr: u64, buf: &[u8]) -> io::Result<usize> {
    let remote = RemoteIoVec { base: addr as usize, len: buf.len() };
    Ok(uio::process_vm_writev(Pid::from_raw(pid), &[IoSlice::new(buf)], &[remote])?)
}

/// Copies the buffers `bufs`, one after another, into app memory of
/// process `pid` from `addr` on; returns the number of bytes copied.
pub fn process_vm_write_vectored(pid: i32, addr: u64, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let len = bufs.iter().map(|b| b.len()).sum();
    let remote = RemoteIoVec { base: addr as usize, len };
    Ok(uio::process_vm_writev(Pid::from_raw(pid), bufs, &[remote])?)
}

/// Sends `sig` to thread `tid` of process `pid`. A raw system call: nix
/// has no `tgkill`, and its `Signal` cannot name the real-time signal the
/// interposer kicks threads with.
pub fn tgkill(pid: i32, tid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: integer arguments only; the kernel touches none of our memory.
    Errno::result(unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, sig) })?;
    Ok(())
}

/// Sends `sig` to the process a pidfd refers to. A raw system call: nix
/// has no pidfd calls.
pub fn pidfd_send_signal(pidfd: &OwnedFd, sig: Signal) -> io::Result<()> {
    // SAFETY: integers and a null siginfo, which means "as kill(2)"; the
    // kernel touches none of our memory.
    Errno::result(unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), sig as libc::c_int, std::ptr::null::<libc::siginfo_t>(), 0) })?;
    Ok(())
}

/// Opens a pidfd for process `pid` (close-on-exec). A raw system call: nix
/// has no pidfd calls.
pub fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: integer arguments only; returns a new fd on success.
    let fd = Errno::result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: the fd was just created and is ours alone (a successful
    // pidfd_open returns an fd, which fits a RawFd).
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Reaps the exited process behind `pidfd`, returning its raw wait status.
/// A raw `waitid`: nix's returns a `WaitStatus`, whose `Signal` cannot hold
/// a real-time signal, so a death by one would be reaped and its status
/// lost.
pub fn reap(pidfd: &OwnedFd) -> io::Result<i32> {
    // SAFETY: siginfo_t is plain data; waitid fills it in.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is writable; P_PIDFD takes the fd as the id.
    Errno::result(unsafe { libc::waitid(libc::P_PIDFD, pidfd.as_raw_fd() as libc::id_t, &mut info, libc::WEXITED | libc::WNOHANG) })?;
    // SAFETY: for WEXITED results si_status and si_code are set.
    let (status, code) = unsafe { (info.si_status(), info.si_code) };
    Ok(match code {
        libc::CLD_EXITED => (status & 0xff) << 8,
        libc::CLD_DUMPED => (status & 0x7f) | 0x80,
        _ => status & 0x7f,
    })
}

/// CPU time consumed by host process `pid`, read from its CPU clock.
pub fn process_cpu_time(pid: i32) -> Option<std::time::Duration> {
    // The id of the process's CPU clock, made as the kernel defines it:
    // nix's ClockId::pid_cpu_clock_id goes through clock_getcpuclockid,
    // which costs a clock_getres system call more.
    const CPUCLOCK_SCHED: i32 = 2;
    let clock = ClockId::from_raw((!pid << 3) | CPUCLOCK_SCHED);
    nix::time::clock_gettime(clock).ok().map(Into::into)
}

/// The text of a host `/proc` file, read in as few calls as it takes (the
/// standard library's `read_to_string` starts with 32 bytes and doubles,
/// and each read of a proc file is a system call).
pub fn read_proc(path: &str) -> io::Result<String> {
    let mut text = String::with_capacity(8192);
    io::Read::read_to_string(&mut std::fs::File::open(path)?, &mut text)?;
    Ok(text)
}

/// CPU time consumed by thread `tid` of host process `pid`. Linux lets a
/// process read only its own threads' CPU clocks, so this reads the
/// scheduler's account in `/proc` (nanoseconds on the CPU).
pub fn thread_cpu_time(pid: i32, tid: i32) -> Option<std::time::Duration> {
    let s = read_proc(&format!("/proc/{pid}/task/{tid}/schedstat")).ok()?;
    Some(std::time::Duration::from_nanos(s.split_whitespace().next()?.parse().ok()?))
}

/// Sends `fds` over a Unix socket in one message (SCM_RIGHTS), with a
/// single zero byte as its data.
pub fn send_fds(sock: &OwnedFd, fds: &[RawFd]) -> io::Result<()> {
    let data = [IoSlice::new(&[0])];
    let rights = [ControlMessage::ScmRights(fds)];
    socket::sendmsg::<UnixAddr>(sock.as_raw_fd(), &data, &rights, MsgFlags::MSG_NOSIGNAL, None)?;
    Ok(())
}
