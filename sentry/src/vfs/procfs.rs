//! procfs, the part programs use most: `/proc/self`, `/proc/PID/exe`,
//! `/proc/PID/stat` and `/proc/PID/status` for the sandbox's own processes (by their sandbox
//! PIDs), and `/proc/{mounts,filesystems,version,uptime,meminfo,cpuinfo,stat,
//! loadavg}` (CPU counters are 0 until the kernel's CPU clock lands;
//! `cmdline` is not there yet). A process's `fd/` and `cwd` are shown to
//! the process itself only; `fd/N` and `cwd` lead to the file itself when
//! it is in the tree (pipes and the host's standard streams read as
//! `pipe:[N]` or `anon_inode:` and the kind, as `anon_inode:inotify`, and
//! cannot be opened through them).
//! Files are made when read and report size 0, as Linux's do. Nothing of
//! the host's `/proc` is shown.
//!
//! `/proc/self` names the process of the task reading it: each sentry
//! thread serves one task and records its process here when it starts
//! ([`set_current`]).

use std::cell::RefCell;
use std::sync::{Arc, OnceLock, Weak};

use abi::errno::{EACCES, ENOENT, EROFS};
use abi::fs::{dt, mode, Statfs};
use abi::Errno;

use super::inode::{now_ns, Attr, DirEntry, Inode, InodeRef, NodeSpec, SetAttr};
use super::{FdTable, FsContext, Location};
use crate::kernel::task::Task;
use crate::kernel::thread_group::ThreadGroup;
use crate::kernel::Kernel;

/// `PROC_SUPER_MAGIC`.
const PROC_MAGIC: i64 = 0x9fa0;

/// The task the calling sentry thread serves.
#[derive(Default)]
struct Current {
    tg: Weak<ThreadGroup>,
    fds: Weak<FdTable>,
    fs: Weak<FsContext>,
}

thread_local! {
    static CURRENT: RefCell<Current> = RefCell::new(Current::default());
}

/// Records the task the calling sentry thread serves (for `/proc/self`
/// and the caller's own `fd/` and `cwd`).
pub fn set_current(task: &Task) {
    CURRENT.with(|c| *c.borrow_mut() = Current { tg: Arc::downgrade(&task.tg), fds: Arc::downgrade(&task.fds), fs: Arc::downgrade(&task.fs) });
}

fn current_pid() -> Option<i32> {
    CURRENT.with(|c| c.borrow().tg.upgrade().map(|tg| tg.tgid))
}

/// The caller's descriptors and filesystem context, when `pid` is the
/// caller's process (other processes' are not reachable from here).
fn own(pid: i32) -> Option<(Arc<FdTable>, Arc<FsContext>)> {
    if current_pid() != Some(pid) {
        return None;
    }
    CURRENT.with(|c| {
        let c = c.borrow();
        Some((c.fds.upgrade()?, c.fs.upgrade()?))
    })
}

/// What `/proc/self/fd/N` reads as: the path of a file in the tree, else
/// the kind and number Linux shows for pipes and sockets.
fn fd_target(fds: &FdTable, fs: &FsContext, n: i32) -> Result<(Vec<u8>, Option<Location>), Errno> {
    let file = fds.get(n).map_err(|_| ENOENT)?;
    if let Some(loc) = file.ops.location() {
        let mut p = super::ops::path_of(&fs.root(), &loc).unwrap_or_else(|| loc.dentry.name());
        if loc.dentry.is_deleted() && !p.ends_with(b" (deleted)") {
            p.extend_from_slice(b" (deleted)");
        }
        return Ok((p, Some(loc)));
    }
    let st = file.ops.stat()?;
    let text = match st.mode & mode::S_IFMT {
        mode::S_IFIFO => format!("pipe:[{}]", st.ino),
        mode::S_IFSOCK => format!("socket:[{}]", st.ino),
        _ => format!("anon_inode:{}", file.ops.anon_name()),
    };
    Ok((text.into_bytes(), None))
}

struct Shared {
    dev: u64,
    kernel: OnceLock<Weak<Kernel>>,
    boot: i64,
}

impl Shared {
    fn kernel(&self) -> Option<Arc<Kernel>> {
        self.kernel.get()?.upgrade()
    }

    fn process(&self, pid: i32) -> Option<Arc<ThreadGroup>> {
        self.kernel()?.tasks.thread_group(pid)
    }
}

/// A procfs instance; see [`ProcFs::attach`].
pub struct ProcFs {
    shared: Arc<Shared>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum File {
    Mounts,
    Filesystems,
    Version,
    Uptime,
    Meminfo,
    Cpuinfo,
    Stat,
    Loadavg,
}

const FILES: [(&[u8], File); 8] = [
    (b"cpuinfo", File::Cpuinfo),
    (b"filesystems", File::Filesystems),
    (b"loadavg", File::Loadavg),
    (b"meminfo", File::Meminfo),
    (b"mounts", File::Mounts),
    (b"stat", File::Stat),
    (b"uptime", File::Uptime),
    (b"version", File::Version),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    SelfLink,
    Pid(i32),
    Exe(i32),
    Status(i32),
    Stat(i32),
    Cwd(i32),
    FdDir(i32),
    Fd(i32, i32),
    File(File),
}

/// A procfs inode.
struct Node {
    fs: Arc<Shared>,
    kind: Kind,
    ino: u64,
}

impl ProcFs {
    /// A procfs with device number `dev`, showing nothing until attached.
    pub fn new(dev: u64) -> ProcFs {
        ProcFs { shared: Arc::new(Shared { dev, kernel: OnceLock::new(), boot: now_ns() }) }
    }

    /// The root directory.
    pub fn root(&self) -> InodeRef {
        Arc::new(Node { fs: self.shared.clone(), kind: Kind::Root, ino: 1 })
    }

    /// Shows `kernel`'s processes and mounts.
    pub fn attach(&self, kernel: &Arc<Kernel>) {
        let _ = self.shared.kernel.set(Arc::downgrade(kernel));
    }
}

impl Node {
    fn node(&self, kind: Kind) -> InodeRef {
        // Numbers are stable per name: PIDs and files get fixed ranges.
        let ino = match kind {
            Kind::Root => 1,
            Kind::SelfLink => 2,
            Kind::File(f) => 3 + FILES.iter().position(|(_, g)| *g == f).unwrap_or(0) as u64,
            Kind::Pid(p) => (p as u64) << 8,
            Kind::Exe(p) => ((p as u64) << 8) | 1,
            Kind::Status(p) => ((p as u64) << 8) | 2,
            Kind::Stat(p) => ((p as u64) << 8) | 3,
            Kind::Cwd(p) => ((p as u64) << 8) | 4,
            Kind::FdDir(p) => ((p as u64) << 8) | 5,
            Kind::Fd(p, n) => ((p as u64) << 40) | (1 << 39) | n as u64,
        };
        Arc::new(Node { fs: self.fs.clone(), kind, ino })
    }

    fn contents(&self) -> Result<Vec<u8>, Errno> {
        let k = self.fs.kernel().ok_or(ENOENT)?;
        Ok(match self.kind {
            Kind::File(File::Mounts) => {
                let mut s = String::new();
                let root = k.mounts.root();
                for m in k.mounts.mounts() {
                    let loc = super::Location { mnt: m.clone(), dentry: m.root.clone() };
                    let path = super::ops::path_of(&root, &loc).unwrap_or_else(|| b"/".to_vec());
                    let name = if m.fs_type == "devtmpfs" { "devtmpfs" } else { m.fs_type };
                    s.push_str(&format!("{name} {} {name} {} 0 0\n", String::from_utf8_lossy(&path), if m.read_only { "ro" } else { "rw" }));
                }
                s.into_bytes()
            }
            Kind::File(File::Filesystems) => b"nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\nnodev\toverlay\n".to_vec(),
            Kind::File(File::Version) => format!("Linux version {} (sandbox) #1 SMP\n", crate::kernel::uts::RELEASE).into_bytes(),
            Kind::File(File::Uptime) => {
                let up = k.timekeeper.monotonic_ns();
                format!("{}.{:02} 0.00\n", up / 1_000_000_000, (up % 1_000_000_000) / 10_000_000).into_bytes()
            }
            Kind::File(File::Meminfo) => {
                // SAFETY: libc::sysinfo is plain data for sysinfo to fill.
                let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
                // SAFETY: `si` is a valid buffer.
                unsafe { libc::sysinfo(&mut si) };
                let kib = |v: u64| v * u64::from(si.mem_unit) / 1024;
                format!("MemTotal:       {:8} kB\nMemFree:        {:8} kB\nMemAvailable:   {:8} kB\n", kib(si.totalram), kib(si.freeram), kib(si.freeram)).into_bytes()
            }
            Kind::File(File::Stat) => {
                // No CPU clock yet: every counter is 0.
                let mut s = String::from("cpu  0 0 0 0 0 0 0 0 0 0\n");
                for i in 0..k.application_cores {
                    s.push_str(&format!("cpu{i} 0 0 0 0 0 0 0 0 0 0\n"));
                }
                let n = k.tasks.pids().len();
                s.push_str(&format!("intr 0\nctxt 0\nbtime {}\nprocesses {n}\nprocs_running 1\nprocs_blocked 0\n", self.fs.boot / 1_000_000_000));
                s.into_bytes()
            }
            Kind::File(File::Loadavg) => {
                let pids = k.tasks.pids();
                format!("0.00 0.00 0.00 1/{} {}\n", pids.len(), pids.last().copied().unwrap_or(0)).into_bytes()
            }
            Kind::File(File::Cpuinfo) => {
                let mut s = String::new();
                for i in 0..k.application_cores {
                    s.push_str(&format!("processor\t: {i}\nvendor_id\t: sandbox\nmodel name\t: sandbox CPU\n\n"));
                }
                s.into_bytes()
            }
            Kind::Stat(pid) => {
                let tg = self.fs.process(pid).ok_or(ENOENT)?;
                let (pgid, sid) = k.tasks.group_and_session(pid)?;
                let threads = tg.exit.lock().live_threads;
                let mut fields = vec![0u64; 44];
                // Fields 9 on (flags, faults, times, ...), all 0 but these.
                fields[9] = 20; // priority
                fields[11] = threads as u64;
                fields[16] = u64::MAX; // rsslim
                fields[29] = 17; // exit_signal: SIGCHLD
                let rest: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
                format!("{pid} ({}) R {} {pgid} {sid} 0 -1 {}\n", process_name(&tg), k.tasks.parent_of(pid), rest.join(" ")).into_bytes()
            }
            Kind::Status(pid) => {
                let tg = self.fs.process(pid).ok_or(ENOENT)?;
                let name = process_name(&tg);
                let c = tg.creds.lock().clone();
                let threads = tg.exit.lock().live_threads;
                let ppid = k.tasks.parent_of(pid);
                format!(
                    "Name:\t{}\nState:\tR (running)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t{ppid}\nUid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nThreads:\t{threads}\n",
                    name,
                    c.uid,
                    c.euid,
                    c.suid,
                    c.fsuid,
                    c.gid,
                    c.egid,
                    c.sgid,
                    c.fsgid
                )
                .into_bytes()
            }
            _ => return Err(abi::errno::EISDIR),
        })
    }
}

/// A process's name as `/proc` shows it: its executable's file name, cut
/// to 15 bytes like a task's `comm` (which the sentry keeps per thread,
/// out of procfs's reach).
fn process_name(tg: &ThreadGroup) -> String {
    let name = tg.exe.lock().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.chars().take(15).collect()
}

impl Inode for Node {
    fn attr(&self) -> Attr {
        let (m, nlink) = match self.kind {
            Kind::Root | Kind::Pid(_) => (mode::S_IFDIR | 0o555, 2),
            Kind::FdDir(_) => (mode::S_IFDIR | 0o500, 2),
            Kind::SelfLink | Kind::Exe(_) | Kind::Cwd(_) => (mode::S_IFLNK | 0o777, 1),
            Kind::Fd(_, _) => (mode::S_IFLNK | 0o700, 1),
            Kind::Status(_) | Kind::Stat(_) | Kind::File(_) => (mode::S_IFREG | 0o444, 1),
        };
        let (uid, gid) = match self.kind {
            Kind::Pid(p) | Kind::Exe(p) | Kind::Status(p) | Kind::Stat(p) | Kind::Cwd(p) | Kind::FdDir(p) | Kind::Fd(p, _) => self.fs.process(p).map_or((0, 0), |tg| {
                let c = tg.creds.lock();
                (c.euid, c.egid)
            }),
            _ => (0, 0),
        };
        let t = self.fs.boot;
        Attr { ino: self.ino, dev: self.fs.dev, mode: m, nlink, uid, gid, atime: t, mtime: t, ctime: t, btime: t, ..Attr::default() }
    }

    fn setattr(&self, _set: &SetAttr) -> Result<(), Errno> {
        Err(abi::errno::EPERM)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        match self.kind {
            Kind::Root => {
                if name == b"self" {
                    return Ok(self.node(Kind::SelfLink));
                }
                if let Some((_, f)) = FILES.iter().find(|(n, _)| *n == name) {
                    return Ok(self.node(Kind::File(*f)));
                }
                if name.is_empty() || name.len() > 10 || name[0] == b'0' || !name.iter().all(u8::is_ascii_digit) {
                    return Err(ENOENT);
                }
                let pid: i32 = std::str::from_utf8(name).ok().and_then(|s| s.parse().ok()).ok_or(ENOENT)?;
                self.fs.process(pid).ok_or(ENOENT)?;
                Ok(self.node(Kind::Pid(pid)))
            }
            Kind::Pid(pid) => {
                self.fs.process(pid).ok_or(ENOENT)?;
                match name {
                    b"exe" => Ok(self.node(Kind::Exe(pid))),
                    b"status" => Ok(self.node(Kind::Status(pid))),
                    b"stat" => Ok(self.node(Kind::Stat(pid))),
                    b"cwd" if own(pid).is_some() => Ok(self.node(Kind::Cwd(pid))),
                    b"fd" if own(pid).is_some() => Ok(self.node(Kind::FdDir(pid))),
                    _ => Err(ENOENT),
                }
            }
            Kind::FdDir(pid) => {
                let (fds, _) = own(pid).ok_or(ENOENT)?;
                if name.is_empty() || name.len() > 10 || (name[0] == b'0' && name.len() > 1) || !name.iter().all(u8::is_ascii_digit) {
                    return Err(ENOENT);
                }
                let n: i32 = std::str::from_utf8(name).ok().and_then(|s| s.parse().ok()).ok_or(ENOENT)?;
                fds.get(n).map_err(|_| ENOENT)?;
                Ok(self.node(Kind::Fd(pid, n)))
            }
            _ => Err(abi::errno::ENOTDIR),
        }
    }

    /// As a directory without the operation: `open(O_CREAT)` is
    /// `EACCES`, `mkdir`, `mknod` and `symlink` are `EPERM`.
    fn create(&self, _name: &[u8], spec: NodeSpec, _perm: u32, _uid: u32, _gid: u32) -> Result<InodeRef, Errno> {
        Err(if spec == NodeSpec::Regular { EACCES } else { abi::errno::EPERM })
    }

    fn unlink(&self, _name: &[u8], _dir: bool) -> Result<(), Errno> {
        Err(abi::errno::EPERM)
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(abi::errno::EPERM)
    }

    fn rename(&self, _old: &[u8], _new_dir: &InodeRef, _new: &[u8], _flags: u32) -> Result<(), Errno> {
        Err(abi::errno::EPERM)
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        match self.kind {
            Kind::Root => {
                let mut out: Vec<DirEntry> = FILES.iter().map(|(n, f)| DirEntry { name: n.to_vec(), ino: self.node(Kind::File(*f)).attr().ino, dtype: dt::REG }).collect();
                out.push(DirEntry { name: b"self".to_vec(), ino: 2, dtype: dt::LNK });
                if let Some(k) = self.fs.kernel() {
                    for pid in k.tasks.pids() {
                        out.push(DirEntry { name: pid.to_string().into_bytes(), ino: (pid as u64) << 8, dtype: dt::DIR });
                    }
                }
                Ok(out)
            }
            Kind::FdDir(pid) => {
                let (fds, _) = own(pid).ok_or(ENOENT)?;
                Ok(fds.open_fds().into_iter().map(|n| DirEntry { name: n.to_string().into_bytes(), ino: self.node(Kind::Fd(pid, n)).attr().ino, dtype: dt::LNK }).collect())
            }
            Kind::Pid(pid) => Ok(vec![
                DirEntry { name: b"cwd".to_vec(), ino: ((pid as u64) << 8) | 4, dtype: dt::LNK },
                DirEntry { name: b"fd".to_vec(), ino: ((pid as u64) << 8) | 5, dtype: dt::DIR },
                DirEntry { name: b"exe".to_vec(), ino: ((pid as u64) << 8) | 1, dtype: dt::LNK },
                DirEntry { name: b"status".to_vec(), ino: ((pid as u64) << 8) | 2, dtype: dt::REG },
                DirEntry { name: b"stat".to_vec(), ino: ((pid as u64) << 8) | 3, dtype: dt::REG },
            ]),
            _ => Err(abi::errno::ENOTDIR),
        }
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        match self.kind {
            Kind::SelfLink => current_pid().map(|p| p.to_string().into_bytes()).ok_or(ENOENT),
            Kind::Exe(pid) => Ok(self.fs.process(pid).ok_or(ENOENT)?.exe.lock().as_os_str().as_encoded_bytes().to_vec()),
            Kind::Cwd(pid) => {
                let (_, fs) = own(pid).ok_or(ENOENT)?;
                let (root, cwd) = fs.root_and_cwd();
                Ok(super::ops::path_of(&root, &cwd).unwrap_or_else(|| b"/".to_vec()))
            }
            Kind::Fd(pid, n) => {
                let (fds, fs) = own(pid).ok_or(ENOENT)?;
                Ok(fd_target(&fds, &fs, n)?.0)
            }
            _ => Err(abi::errno::EINVAL),
        }
    }

    fn jump(&self) -> Option<Location> {
        match self.kind {
            Kind::Cwd(pid) => own(pid).map(|(_, fs)| fs.cwd()),
            Kind::Fd(pid, n) => own(pid).and_then(|(fds, fs)| fd_target(&fds, &fs, n).ok()?.1),
            _ => None,
        }
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let data = self.contents()?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.len());
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    fn write_at(&self, _data: &[u8], _offset: u64) -> Result<usize, Errno> {
        Err(EROFS)
    }

    fn statfs(&self) -> Statfs {
        Statfs { kind: PROC_MAGIC, bsize: 4096, namelen: 255, frsize: 4096, ..Statfs::default() }
    }
}
