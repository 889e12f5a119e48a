//! The interposer's service threads: one starts every stub process (and
//! makes, ahead of need, a spare channel for the next fork), one reaps
//! every one that dies.
//!
//! Stubs are started from one long-lived thread because a stub asks the
//! kernel to kill it when its parent *thread* dies (`PR_SET_PDEATHSIG`):
//! with every stub a child of that thread, no stub outlives the sentry,
//! however the sentry ends. The reaper thread (any thread of the process
//! may wait for its children) waits on each stub's pidfd and, when one
//! dies, marks its address space dead before reaping it, so that no other
//! thread can ever signal or touch memory of a recycled pid. Keeping the
//! two apart means a stub being started never delays a reap.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};
use parking_lot::Mutex;

use crate::space::{Channel, Liveness, Started};
use crate::stub_image::STUB_ELF;
use crate::sys;

/// A started stub process.
pub(crate) struct Spawned {
    pub pid: i32,
    pub pidfd: OwnedFd,
}

/// The spare channel, made ahead of need.
static SPARE_CHANNEL: Mutex<Option<Channel>> = Mutex::new(None);

/// The answer for a stub process asked for ahead of need ([`prestart`]).
static PRESTARTED: Mutex<Option<Receiver<io::Result<Started>>>> = Mutex::new(None);

/// What the spawner thread is asked for.
enum Request {
    /// A stub process, now.
    Stub(Sender<io::Result<Started>>),
    /// A spare channel, unless there is one.
    SpareChannel,
}

struct Service {
    /// Requests for the spawner thread.
    starts: Sender<Request>,
    /// Requests for the reaper thread, and its wake-up.
    watches: Sender<(OwnedFd, Arc<Liveness>)>,
    wake: Arc<EventFd>,
}

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let (starts, start_rx) = unbounded();
        let (watches, watch_rx) = unbounded();
        let wake = Arc::new(EventFd::from_flags(EfdFlags::EFD_CLOEXEC).expect("eventfd for the interposer reaper"));
        let reaper_wake = wake.clone();
        std::thread::Builder::new()
            .name("stub-spawner".into())
            .spawn(move || spawner(start_rx))
            .expect("starting the stub spawner thread");
        std::thread::Builder::new()
            .name("stub-reaper".into())
            .spawn(move || reaper(watch_rx, &reaper_wake))
            .expect("starting the stub reaper thread");
        Service { starts, watches, wake }
    })
}

/// Starts a stub process (on the spawner thread) and returns it: the one
/// [`prestart`] asked for, if any.
pub(crate) fn prepare() -> io::Result<Started> {
    let rx = PRESTARTED.lock().take().unwrap_or_else(ask_for_stub);
    rx.recv().map_err(|_| io::Error::other("interposer service is gone"))?
}

/// Asks the spawner thread for a stub process; the answer comes on the
/// receiver.
fn ask_for_stub() -> Receiver<io::Result<Started>> {
    let (reply, rx) = bounded(1);
    // The receivers live as long as the process: sending cannot fail.
    let _ = service().starts.send(Request::Stub(reply));
    rx
}

/// Has the spawner thread start the stub process of the next
/// [`AddressSpace::new`](crate::AddressSpace::new) now, in the background:
/// a sandbox asks for it first thing, so that the stub's start overlaps
/// the making of the kernel, and again after each exec into a fresh stub
/// process, the next of which may follow soon. Does nothing if one is
/// already asked for.
pub fn prestart() {
    let mut pending = PRESTARTED.lock();
    if pending.is_none() {
        *pending = Some(ask_for_stub());
    }
}

/// The spare channel, if one is ready.
pub(crate) fn take_spare_channel() -> Option<Channel> {
    SPARE_CHANNEL.lock().take()
}

/// Asks the spawner thread to make a spare channel, if there is none.
pub(crate) fn prepare_spare_channel() {
    let _ = service().starts.send(Request::SpareChannel);
}

/// Has the reaper watch `pidfd`, marking `liveness` dead when it exits.
pub(crate) fn watch(pidfd: OwnedFd, liveness: Arc<Liveness>) {
    let s = service();
    let _ = s.watches.send((pidfd, liveness));
    // Adding 1 cannot fail (it would only block, after 2^64 - 2 unread
    // wake-ups).
    let _ = s.wake.write(1);
}

/// The stub image as an executable memfd, made once.
fn stub_memfd() -> io::Result<&'static OwnedFd> {
    static FD: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = FD.get() {
        return Ok(fd);
    }
    let mut f = sys::memfd("sandbox-stub")?;
    io::Write::write_all(&mut f, STUB_ELF)?;
    Ok(FD.get_or_init(|| f.into()))
}

/// Starts a stub process with `ctl` as its fd 0 and `region` as its fd 1.
/// Only the service thread may call this (see the module doc).
pub(crate) fn start_stub(ctl: OwnedFd, region: OwnedFd) -> io::Result<Spawned> {
    let image = stub_memfd()?;
    let child = Command::new(format!("/proc/self/fd/{}", image.as_raw_fd()))
        .arg0("sandbox-stub")
        .env_clear()
        .stdin(Stdio::from(ctl))
        .stdout(Stdio::from(region))
        .stderr(Stdio::null())
        // A group of its own: a terminal's signals (^C) are for the
        // sentry, which forwards them, never straight to a stub.
        .process_group(0)
        .spawn()?;
    let pid = child.id() as i32;
    // The child stays unreaped until run() reaps it, so the pid is ours.
    let pidfd = sys::pidfd_open(pid)?;
    Ok(Spawned { pid, pidfd })
}

/// The spawner thread: starts stubs on request, and makes spare channels
/// when asked.
fn spawner(requests: Receiver<Request>) {
    for request in requests {
        match request {
            Request::Stub(reply) => {
                let started = Started::start().map(|(started, pidfd)| {
                    watch(pidfd, started.live.clone());
                    started
                });
                let _ = reply.send(started);
            }
            Request::SpareChannel if SPARE_CHANNEL.lock().is_none() => {
                // On failure, the next fork makes its channel itself.
                if let Ok(channel) = Channel::new() {
                    *SPARE_CHANNEL.lock() = Some(channel);
                }
            }
            Request::SpareChannel => {}
        }
    }
}

/// The reaper thread: reaps every stub that dies.
fn reaper(watches: Receiver<(OwnedFd, Arc<Liveness>)>, wake: &EventFd) {
    let ep = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).expect("epoll for the interposer reaper");
    const WAKE: u64 = u64::MAX;
    ep.add(wake, EpollEvent::new(EpollFlags::EPOLLIN, WAKE)).expect("watching the reaper eventfd");
    let mut watched: std::collections::HashMap<u64, (OwnedFd, Arc<Liveness>)> = Default::default();
    let mut events = [EpollEvent::empty(); 32];
    loop {
        let ready = match ep.wait(&mut events, EpollTimeout::NONE) {
            Ok(n) => &events[..n],
            Err(Errno::EINTR) => &[],
            Err(_) => continue,
        };
        for token in ready.iter().map(EpollEvent::data) {
            if token == WAKE {
                let _ = wake.read();
                continue;
            }
            if let Some((pidfd, liveness)) = watched.remove(&token) {
                let _ = ep.delete(&pidfd);
                liveness.mark_dead_then(|| sys::reap(&pidfd).unwrap_or(0));
            }
        }
        for (pidfd, liveness) in watches.try_iter() {
            let token = pidfd.as_raw_fd() as u64;
            if ep.add(&pidfd, EpollEvent::new(EpollFlags::EPOLLIN, token)).is_ok() {
                watched.insert(token, (pidfd, liveness));
            } else {
                liveness.mark_dead_then(|| sys::reap(&pidfd).unwrap_or(0));
            }
        }
    }
}
