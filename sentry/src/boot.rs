//! Starting a sandbox: the file tree it sees, then its kernel.
//!
//! [`new_kernel`] assembles what gVisor's `runsc/boot` does: the
//! filesystems of the sandbox's tree (the root, `/proc`, `/dev`, `/tmp`,
//! `/dev/shm`, `/sys` and the mounts asked for), the internal tmpfs of
//! `memfd_create`, and the directory the first process starts in; then
//! the [`Kernel`] over them, with the syscall table. It sits above the
//! kernel, the filesystems and the system calls, which know nothing of
//! each other's construction.
//!
//! The network the sandbox's IP sockets reach is the sentry process's
//! own network namespace ([`Network`]): [`enter_network`] moves the whole
//! process into a new one, with only loopback, before it starts any
//! thread (every thread and stub process then inherits it, and no host
//! call ever leaves it), and [`new_kernel`] refuses to build a kernel
//! whose configuration asks for a namespace the process is not in.

use std::path::PathBuf;
use std::sync::Arc;

use crate::fsimpl::proc::ProcFs;
use crate::fsimpl::tmpfs::{Budget, Tmpfs};
use crate::fsimpl::{dev, host, overlay};
use crate::kernel::{FileTree, Kernel, KernelConfig};
use crate::vfs::inode::{makedev, InoAllocator, InodeRef, NodeSpec};
use crate::vfs::ops::mkdir_p;
use crate::vfs::{self, Location, MountNamespace};

/// What a sandbox is made of.
#[derive(Debug, Clone)]
pub struct BootConfig {
    /// The kernel's own settings.
    pub kernel: KernelConfig,
    /// What the sandbox sees as its root: by default the host's `/`,
    /// read-only under an overlay.
    pub root: RootFs,
    /// Mounts made on top of the default tree.
    pub mounts: Vec<ExtraMount>,
    /// The most file data all the sandbox's tmpfs instances (and the
    /// overlay's upper layer) may hold together, in bytes.
    pub tmpfs_limit: u64,
    /// Where the first process starts (made if missing); by default the
    /// directory the sandbox was started in.
    pub cwd: Option<PathBuf>,
    /// The network the sandbox's IP sockets reach: by default a private
    /// one, which the process must have entered ([`enter_network`]).
    pub network: Network,
}

/// The network a sandbox's IP and netlink sockets live in: the network
/// namespace of the sentry process, whose host sockets they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Network {
    /// A new network namespace with only the loopback interface, up:
    /// programs in the sandbox reach each other on 127.0.0.1 and ::1, and
    /// nothing outside (`sandbox-exec --network=none`).
    #[default]
    None,
    /// The host's network namespace: the host's interfaces, addresses and
    /// loopback (`sandbox-exec --network=host`).
    Host,
}

/// The inode number of the private network namespace [`enter_network`]
/// made (0: none made).
static PRIVATE_NETWORK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The inode number of the calling thread's network namespace.
fn network_namespace() -> std::io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata("/proc/thread-self/ns/net")?.ino())
}

/// Puts the whole sentry process in the network namespace `network` asks
/// for: for [`Network::None`], a new one (`unshare(CLONE_NEWNET)`, which
/// needs `CAP_SYS_ADMIN`) with its loopback interface brought up; for
/// [`Network::Host`], nothing. A namespace is a thread's, and threads
/// inherit their creator's: this must run before the process starts its
/// second thread (it checks), and before the sentry's seccomp filter,
/// which denies `unshare` ([`crate::hardening`]).
pub fn enter_network(network: Network) -> std::io::Result<()> {
    if network == Network::Host {
        return Ok(());
    }
    let status = std::fs::read_to_string("/proc/self/status")?;
    if !status.lines().any(|l| l.split_whitespace().eq(["Threads:", "1"])) {
        return Err(std::io::Error::other("the process already runs other threads, which would stay in the host's network namespace"));
    }
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)?;
    crate::socket::inet::bring_up_loopback().map_err(|e| std::io::Error::other(format!("cannot bring the loopback interface up: {}", e.name())))?;
    PRIVATE_NETWORK.store(network_namespace()?, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

/// Checks that the calling thread (and so every thread it starts) is in
/// the namespace `network` asks for.
fn check_network(network: Network) -> std::io::Result<()> {
    let private = PRIVATE_NETWORK.load(std::sync::atomic::Ordering::SeqCst);
    if network == Network::None && (private == 0 || network_namespace()? != private) {
        return Err(std::io::Error::other("the sentry is not in a private network namespace: enter_network(Network::None) must run before the process starts any thread"));
    }
    Ok(())
}

impl Default for BootConfig {
    fn default() -> BootConfig {
        BootConfig {
            kernel: KernelConfig::default(),
            root: RootFs::HostOverlay(PathBuf::from("/")),
            mounts: Vec::new(),
            tmpfs_limit: 2 << 30,
            cwd: None,
            network: Network::None,
        }
    }
}

/// Builds the sandbox's file tree as `config` says, then its kernel, with
/// no tasks yet.
pub fn new_kernel(config: &BootConfig) -> std::io::Result<Arc<Kernel>> {
    check_network(config.network)?;
    // The first process's stub starts while the file tree is made.
    interposer::prestart();
    let io = |e: abi::Errno| std::io::Error::from_raw_os_error(e.0);
    let proc = ProcFs::new(makedev(0, 0x2f));
    let budget = Budget::new(config.tmpfs_limit);
    let mounts = default_namespace(&config.root, proc.root(), &budget)?;
    let memfd_root = internal_shm(&budget);
    mount_extra(&mounts, &config.mounts, &budget)?;
    let start_dir = match &config.cwd {
        Some(d) => mkdir_p(&mounts, d.as_os_str().as_encoded_bytes()).map_err(io)?,
        // The directory the sandbox was started in, as far as the tree has it.
        None => {
            let cwd = std::env::current_dir().map(|d| d.into_os_string().into_encoded_bytes()).unwrap_or_default();
            mkdir_p(&mounts, &cwd).unwrap_or_else(|_| mounts.root())
        }
    };
    let kernel = Kernel::new(config.kernel.clone(), FileTree { mounts, memfd_root, start_dir }, crate::syscalls::dispatch);
    proc.attach(&kernel);
    crate::socket::attach(&kernel);
    Ok(kernel)
}

/// How much file data each tmpfs may hold.
const TMPFS_SIZE: u64 = 1 << 30;

/// The device number of the `n`th filesystem mounted (anonymous devices,
/// major 0, as Linux numbers tmpfs and procfs instances).
const fn anon_dev(n: u32) -> u64 {
    makedev(0, 0x30 + n)
}

/// What the sandbox's `/` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootFs {
    /// A bare tmpfs.
    Tmpfs,
    /// A host directory, read-only under a tmpfs overlay that keeps the
    /// writes in memory.
    HostOverlay(std::path::PathBuf),
    /// A host directory, written through (the mount points the tree needs,
    /// `/proc`, `/dev`, `/tmp` and `/sys`, are made in it where missing).
    HostWritable(std::path::PathBuf),
}

/// The sandbox's file tree: `root` as `/`, a private tmpfs `/tmp`,
/// `/dev` and `/dev/shm`, `proc` (a procfs root) on `/proc`, and an empty
/// read-only directory over the host's `/sys`. The data of every tmpfs
/// (the overlay's upper layer included) counts against `budget`.
pub fn default_namespace(root: &RootFs, proc: InodeRef, budget: &Arc<Budget>) -> std::io::Result<MountNamespace> {
    let inos = InoAllocator::new();
    let ns = match root {
        RootFs::HostOverlay(p) => {
            let upper = Tmpfs::with_inos(anon_dev(0), TMPFS_SIZE, Some(budget), inos.clone(), 0o755).root();
            MountNamespace::new(overlay::new(upper, host::open_root(p, anon_dev(0), inos, false)?, anon_dev(0)), "overlay", false)
        }
        RootFs::HostWritable(p) => MountNamespace::new(host::open_root(p, anon_dev(0), inos, true)?, "bind", false),
        RootFs::Tmpfs => MountNamespace::new(Tmpfs::with_inos(anon_dev(0), TMPFS_SIZE, Some(budget), inos, 0o755).root(), "tmpfs", false),
    };
    let root = ns.root();
    let dir = |at: &Location, name: &[u8], perm: u32| -> std::io::Result<Location> {
        if at.dentry.child(name).is_err() {
            at.inode().create(name, NodeSpec::Directory, perm, 0, 0).map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
        }
        let d = at.dentry.child(name).map_err(|e| std::io::Error::from_raw_os_error(e.0))?;
        Ok(Location { mnt: at.mnt.clone(), dentry: d })
    };
    let sys = dir(&root, b"sys", 0o555)?;
    ns.mount(&sys, Tmpfs::with_inos(anon_dev(4), 0, None, InoAllocator::new(), 0o555).root(), "tmpfs", true);
    let proc_at = dir(&root, b"proc", 0o555)?;
    ns.mount(&proc_at, proc, "proc", false);
    let tmp = dir(&root, b"tmp", 0o1777)?;
    ns.mount(&tmp, Tmpfs::with_inos(anon_dev(1), TMPFS_SIZE, Some(budget), InoAllocator::new(), 0o1777).root(), "tmpfs", false);
    let dev_at = dir(&root, b"dev", 0o755)?;
    let dev = ns.mount(&dev_at, Tmpfs::with_inos(anon_dev(2), 1 << 20, Some(budget), InoAllocator::new(), 0o755).root(), "devtmpfs", false);
    for (name, rdev, perm) in [
        (&b"null"[..], dev::NULL, 0o666),
        (b"zero", dev::ZERO, 0o666),
        (b"full", dev::FULL, 0o666),
        (b"random", dev::RANDOM, 0o666),
        (b"urandom", dev::URANDOM, 0o666),
        (b"tty", dev::TTY, 0o666),
    ] {
        let _ = dev.inode().create(name, NodeSpec::CharDevice(rdev), perm, 0, 0);
    }
    for (name, target) in [
        (&b"fd"[..], &b"/proc/self/fd"[..]),
        (b"stdin", b"/proc/self/fd/0"),
        (b"stdout", b"/proc/self/fd/1"),
        (b"stderr", b"/proc/self/fd/2"),
    ] {
        let _ = dev.inode().create(name, NodeSpec::Symlink(target.to_vec()), 0o777, 0, 0);
    }
    let shm = dir(&dev, b"shm", 0o1777)?;
    ns.mount(&shm, Tmpfs::with_inos(anon_dev(3), TMPFS_SIZE, Some(budget), InoAllocator::new(), 0o1777).root(), "tmpfs", false);
    Ok(ns)
}

/// The kernel's internal tmpfs mount that `memfd_create` makes its files
/// on (Linux's `shm_mnt`), its data counted against `budget`; the root of
/// it.
pub fn internal_shm(budget: &Arc<Budget>) -> Location {
    let fs = Tmpfs::with_inos(anon_dev(5), TMPFS_SIZE, Some(budget), InoAllocator::new(), 0o1777);
    let m = vfs::mount::Mount::internal(fs.root(), "tmpfs");
    Location { dentry: m.root.clone(), mnt: m }
}

/// A mount asked for when the sandbox starts, on top of the default tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtraMount {
    /// A host directory at an absolute path inside.
    Bind {
        /// The host directory.
        host: std::path::PathBuf,
        /// Where it appears.
        guest: Vec<u8>,
        /// Whether changes are written through to the host (else the
        /// mount is read-only).
        writable: bool,
    },
    /// A new tmpfs of at most `size` bytes of data.
    Tmpfs {
        /// Where it appears.
        guest: Vec<u8>,
        /// Its size limit.
        size: u64,
    },
}

/// Makes `extra`'s mounts in `ns`, in order (their mount points are
/// made where missing), their tmpfs data counted against `budget`.
pub fn mount_extra(ns: &MountNamespace, extra: &[ExtraMount], budget: &Arc<Budget>) -> std::io::Result<()> {
    let io = |e: abi::Errno| std::io::Error::from_raw_os_error(e.0);
    for (i, m) in extra.iter().enumerate() {
        let dev = anon_dev(0x10 + i as u32);
        match m {
            ExtraMount::Bind { host, guest, writable } => {
                let at = mkdir_p(ns, guest).map_err(io)?;
                ns.mount(&at, host::open_root(host, dev, InoAllocator::new(), *writable)?, "bind", !writable);
            }
            ExtraMount::Tmpfs { guest, size } => {
                let at = mkdir_p(ns, guest).map_err(io)?;
                ns.mount(&at, Tmpfs::with_inos(dev, *size, Some(budget), InoAllocator::new(), 0o1777).root(), "tmpfs", false);
            }
        }
    }
    Ok(())
}

