//! The interposer's service thread: it starts every stub process and reaps
//! every one that dies.
//!
//! Stubs are started from this one long-lived thread because a stub asks
//! the kernel to kill it when its parent *thread* dies (`PR_SET_PDEATHSIG`):
//! with every stub a child of this thread, no stub outlives the sentry,
//! however the sentry ends. The same thread waits on each stub's pidfd and,
//! when one dies, marks its address space dead before reaping it, so that no
//! other thread can ever signal or touch memory of a recycled pid.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use crate::space::Liveness;
use crate::stub_image::STUB_ELF;
use crate::sys;

/// A started stub process.
pub(crate) struct Spawned {
    pub pid: i32,
    pub pidfd: OwnedFd,
}

enum Request {
    Spawn { ctl: OwnedFd, region: OwnedFd, reply: Sender<io::Result<Spawned>> },
    Watch { pidfd: OwnedFd, liveness: Arc<Liveness> },
}

struct Service {
    requests: Sender<Request>,
    wake: OwnedFd,
}

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let (tx, rx) = unbounded();
        let wake = sys::eventfd().expect("eventfd for the interposer service");
        let wake2 = wake.try_clone().expect("dup of the service eventfd");
        std::thread::Builder::new()
            .name("interposer".into())
            .spawn(move || run(rx, wake2))
            .expect("starting the interposer service thread");
        Service { requests: tx, wake }
    })
}

/// Starts a stub process with `ctl` as its fd 0 and `region` as its fd 1.
pub(crate) fn spawn(ctl: OwnedFd, region: OwnedFd) -> io::Result<Spawned> {
    let (reply, rx) = bounded(1);
    send(Request::Spawn { ctl, region, reply });
    rx.recv().map_err(|_| io::Error::other("interposer service is gone"))?
}

/// Has the service watch `pidfd`, marking `liveness` dead when it exits.
pub(crate) fn watch(pidfd: OwnedFd, liveness: Arc<Liveness>) {
    send(Request::Watch { pidfd, liveness });
}

fn send(r: Request) {
    let s = service();
    // The receiver lives as long as the process: sending cannot fail.
    let _ = s.requests.send(r);
    sys::eventfd_signal(&s.wake);
}

/// The stub image as an executable memfd, made once.
fn stub_memfd() -> io::Result<&'static OwnedFd> {
    static FD: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = FD.get() {
        return Ok(fd);
    }
    let fd = sys::memfd(c"sandbox-stub", 0)?;
    let mut f = std::fs::File::from(fd);
    io::Write::write_all(&mut f, STUB_ELF)?;
    Ok(FD.get_or_init(|| f.into()))
}

fn start_stub(ctl: OwnedFd, region: OwnedFd) -> io::Result<Spawned> {
    let image = stub_memfd()?;
    let child = Command::new(format!("/proc/self/fd/{}", image.as_raw_fd()))
        .arg0("sandbox-stub")
        .env_clear()
        .stdin(Stdio::from(ctl))
        .stdout(Stdio::from(region))
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id() as i32;
    // The child stays unreaped until run() reaps it, so the pid is ours.
    let pidfd = sys::pidfd_open(pid)?;
    Ok(Spawned { pid, pidfd })
}

fn run(requests: Receiver<Request>, wake: OwnedFd) {
    let ep = sys::epoll_create().expect("epoll for the interposer service");
    const WAKE: u64 = u64::MAX;
    sys::epoll_add(&ep, wake.as_raw_fd(), WAKE).expect("watching the service eventfd");
    let mut watched: std::collections::HashMap<u64, (OwnedFd, Arc<Liveness>)> = Default::default();
    let mut ready = Vec::new();
    loop {
        ready.clear();
        if sys::epoll_wait(&ep, &mut ready).is_err() {
            continue;
        }
        for &token in &ready {
            if token == WAKE {
                sys::eventfd_drain(&wake);
                continue;
            }
            if let Some((pidfd, liveness)) = watched.remove(&token) {
                sys::epoll_del(&ep, pidfd.as_raw_fd());
                liveness.mark_dead_then(|| sys::reap(&pidfd).unwrap_or(0));
            }
        }
        for r in requests.try_iter() {
            let (pidfd, liveness) = match r {
                Request::Spawn { ctl, region, reply } => {
                    let _ = reply.send(start_stub(ctl, region));
                    continue;
                }
                Request::Watch { pidfd, liveness } => (pidfd, liveness),
            };
            let token = pidfd.as_raw_fd() as u64;
            if sys::epoll_add(&ep, pidfd.as_raw_fd(), token).is_ok() {
                watched.insert(token, (pidfd, liveness));
            } else {
                liveness.mark_dead_then(|| sys::reap(&pidfd).unwrap_or(0));
            }
        }
    }
}
