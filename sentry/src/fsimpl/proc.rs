//! procfs: the sandbox's own processes by their sandbox PIDs, and a few
//! system-wide files. Nothing of the host's `/proc` is shown.
//!
//! What exists:
//! - `/proc/self` (the reader's process) and `/proc/thread-self`
//!   (`PID/task/TID`, the reading thread).
//! - `/proc/PID/` (zombies too, until reaped) with `stat`, `status`,
//!   `cmdline`, `environ`, `auxv`, `comm`, `exe`, `cwd`, `root`, `fd/`, `fdinfo/`,
//!   `maps`, `limits`, `mounts`, `mountinfo` and `task/`; `task/TID/` has
//!   the same entries but `task`, for one thread (`stat`, `status` and
//!   `comm` are the thread's own).
//! - `/proc/{cpuinfo,meminfo,stat,uptime,loadavg,version,filesystems,
//!   mounts}`, `/proc/net/` with the files the socket families show
//!   (`unix`; a directory, not Linux's link to `self/net`: the sandbox
//!   has one network namespace), and `/proc/sys/kernel/{hostname,osrelease,ostype,pid_max,
//!   ngroups_max,random/boot_id}` (read-only but `hostname`, which root
//!   may write as Linux's string sysctls take it).
//!
//! Access follows Linux: `exe`, `cwd`, `root` and `fd/N` of another process
//! are `EACCES` to read or follow, and `environ`, `maps` and `fdinfo/N` to
//! open, unless the reader may inspect it ([`Credentials::may_inspect`]:
//! the same ids and a dumpable target, or `CAP_SYS_PTRACE`); a non-dumpable
//! process's files belong to root (but for its 0555 directories, and its
//! `fd/` and `fdinfo/`, which show as the reader's own to the process
//! itself so that it may always use them, as Linux lets it). The links
//! `cwd`, `root` and `fd/N` lead to the file itself: a place in the
//! sandbox's own tree, or for a file without one (a pipe, an anonymous
//! file, a host descriptor) its nameless inode (`vfs::nameless`), which
//! reads as `pipe:[N]`, `socket:[N]` or `anon_inode:` and its kind (as
//! `anon_inode:inotify`). Following the link jumps there, so `/dev/stdin`
//! and `/dev/fd/N` open a new description of the same object: a new end
//! of a pipe in either direction, the same host object for a host
//! descriptor, `ENXIO` for an anonymous file. `exe` reads as the
//! executable's path, which is then resolved.
//! `cmdline` and `environ` are read live from the process's memory between
//! the addresses the loader recorded (empty for a zombie); a process that
//! rewrote its last argument's NUL shows its title, up to a page and the
//! end of its environment, as Linux does. `comm` may be written by the
//! process's own threads.
//!
//! Approximations: CPU times come from the sentry's CPU clock, memory
//! sizes from the memory map model and the host's resident-set count,
//! `/proc/stat` spreads the sandbox's CPU time evenly over its CPUs and
//! counts no interrupts or context switches, load averages are 0, states
//! are only `R`, `S`, `T` and `Z`, `status` leaves out the lines of
//! memory detail, speculation and NUMA that have no model here, `fdinfo`
//! has only its first four lines, and `maps` shows the program image's
//! areas with device and inode 0 (files mapped with `mmap` show theirs).
//! Files are made when read and report size 0, as Linux's do.
//!
//! `/proc/self` names the process of the task reading it: each sentry
//! thread serves one task and records it here when it starts and after
//! an `execve` (`kernel::task::set_current`).

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock, Weak};

use abi::errno::{EACCES, EINVAL, EISDIR, ENOENT, ENOTDIR, EPERM, EROFS};
use abi::fs::{dt, mode, o, Statfs};
use abi::process::{rlimit, RLIM_INFINITY, TASK_COMM_LEN};
use abi::signal::{SIG_DFL, SIG_IGN};
use abi::Errno;

use crate::vfs::inode::{dev_split, now_ns, Attr, DirEntry, Inode, InodeRef, NodeSpec, SetAttr};
use crate::vfs::{FdTable, Location};
use crate::kernel::cpu_clock::{CpuTicks, CLOCK_TICK_NS};
use crate::auth::Credentials;
use crate::kernel::task::TaskHandle;
use crate::kernel::thread_group::ThreadGroup;
use crate::kernel::Kernel;
use crate::mm::vma::{Backing, Vma};

/// `PROC_SUPER_MAGIC`.
const PROC_MAGIC: i64 = 0x9fa0;

/// The reader's process and thread id.
fn current() -> Option<(Arc<ThreadGroup>, i32)> {
    crate::kernel::task::current().map(|c| (c.tg, c.tid))
}

/// The reader's root directory.
fn reader_root() -> Option<Location> {
    crate::kernel::task::current().map(|c| c.fs.root())
}

/// Whether the reader may inspect process `tg` (see the module doc):
/// always its own; another as [`Credentials::may_inspect`] says.
fn may_inspect(tg: &ThreadGroup) -> bool {
    let Some((me, _)) = current() else { return false };
    if std::ptr::eq(Arc::as_ptr(&me), tg) {
        return true;
    }
    let reader: Credentials = me.creds.lock().clone();
    let target = tg.creds.lock().clone();
    reader.may_inspect(&target, tg.dumpable.load(Ordering::Relaxed) == 1)
}

/// Whether the reader is a thread of process `tg`.
fn is_reader(tg: &ThreadGroup) -> bool {
    current().is_some_and(|(me, _)| std::ptr::eq(Arc::as_ptr(&me), tg))
}

/// The path of `loc` as the reader sees it: from its root, else from the
/// namespace's (a place outside a `chroot`), else `/`.
fn path_for_reader(k: &Kernel, loc: &Location) -> Vec<u8> {
    reader_root()
        .and_then(|root| crate::vfs::ops::path_of(&root, loc))
        .or_else(|| crate::vfs::ops::path_of(&k.mounts.root(), loc))
        .unwrap_or_else(|| b"/".to_vec())
}

/// What `/proc/PID/fd/N` reads as and where it leads: the path of a file
/// in the tree, else the name of its nameless inode (`pipe:[N]`,
/// `anon_inode:[eventfd]`; see `vfs::nameless`), where following it
/// jumps.
fn fd_target(k: &Kernel, fds: &FdTable, n: i32) -> Result<(Vec<u8>, Location), Errno> {
    let file = fds.get(n).map_err(|_| ENOENT)?;
    let loc = file.link_location()?;
    let mut p = path_for_reader(k, &loc);
    if loc.inode().dname().is_none() && loc.dentry.is_deleted() && !p.ends_with(b" (deleted)") {
        p.extend_from_slice(b" (deleted)");
    }
    Ok((p, loc))
}

/// Whose files a node shows: process `pid` (`tid` 0, `/proc/PID`) or its
/// thread `tid` (`/proc/PID/task/TID`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Who {
    pid: i32,
    tid: i32,
}

impl Who {
    /// The part of inode numbers that names it: the PID or TID from bit 8
    /// on, bit 7 set for a thread.
    fn ino(self) -> u64 {
        if self.tid == 0 {
            (self.pid as u64) << 8
        } else {
            ((self.tid as u64) << 8) | 0x80
        }
    }
}

/// What a node shows of a process or thread: its live threads and state.
struct Target {
    tg: Arc<ThreadGroup>,
    /// The thread shown (for a process, its leader or else its first live
    /// thread); `None` once every thread has gone.
    task: Option<TaskHandle>,
    zombie: bool,
}

struct Shared {
    dev: u64,
    kernel: OnceLock<Weak<Kernel>>,
    boot: i64,
    boot_id: String,
}

impl Shared {
    fn kernel(&self) -> Option<Arc<Kernel>> {
        self.kernel.get()?.upgrade()
    }

    /// Process `who.pid` (or its thread `who.tid`), if it exists.
    fn target(&self, who: Who) -> Option<Target> {
        let k = self.kernel()?;
        if who.tid != 0 {
            let task = k.tasks.handle(who.tid).filter(|h| h.tg.tgid == who.pid)?;
            return Some(Target { tg: task.tg.clone(), task: Some(task), zombie: false });
        }
        let tg = k.tasks.process(who.pid)?;
        let threads = k.tasks.threads_of(who.pid);
        let task = threads.iter().find(|h| h.tid == who.pid).or(threads.first()).cloned();
        Some(Target { tg, task, zombie: k.tasks.is_zombie(who.pid) })
    }

    /// The thread of `who` whose files another may see: `ENOENT` once
    /// it has gone, `EACCES` when the reader may not inspect it.
    fn inspect(&self, who: Who) -> Result<TaskHandle, Errno> {
        let t = self.target(who).ok_or(ENOENT)?;
        let task = t.task.ok_or(ENOENT)?;
        if !may_inspect(&t.tg) {
            return Err(EACCES);
        }
        Ok(task)
    }
}

/// A procfs instance; see [`ProcFs::attach`].
pub struct ProcFs {
    shared: Arc<Shared>,
}

/// A system-wide file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum File {
    Cpuinfo = 0,
    Filesystems,
    Loadavg,
    Meminfo,
    Mounts,
    Stat,
    Uptime,
    Version,
    Hostname,
    Osrelease,
    Ostype,
    PidMax,
    NgroupsMax,
    BootId,
}

/// A fixed directory other than the root.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Sys = 0,
    SysKernel,
    SysKernelRandom,
    /// `/proc/net`: the files the socket families show (see
    /// `kernel::net`), listed when read.
    Net,
}

/// A fixed child of the root or of a [`Dir`].
#[derive(Clone, Copy)]
enum Fixed {
    Dir(Dir),
    File(File),
}

const ROOT_FILES: [(&[u8], Fixed); 10] = [
    (b"cpuinfo", Fixed::File(File::Cpuinfo)),
    (b"filesystems", Fixed::File(File::Filesystems)),
    (b"loadavg", Fixed::File(File::Loadavg)),
    (b"meminfo", Fixed::File(File::Meminfo)),
    (b"mounts", Fixed::File(File::Mounts)),
    (b"net", Fixed::Dir(Dir::Net)),
    (b"stat", Fixed::File(File::Stat)),
    (b"sys", Fixed::Dir(Dir::Sys)),
    (b"uptime", Fixed::File(File::Uptime)),
    (b"version", Fixed::File(File::Version)),
];

/// The children of a fixed directory (`None`: the root).
fn fixed_children(dir: Option<Dir>) -> &'static [(&'static [u8], Fixed)] {
    match dir {
        None => &ROOT_FILES,
        Some(Dir::Sys) => &[(b"kernel", Fixed::Dir(Dir::SysKernel))],
        Some(Dir::SysKernel) => &[
            (b"hostname", Fixed::File(File::Hostname)),
            (b"ngroups_max", Fixed::File(File::NgroupsMax)),
            (b"osrelease", Fixed::File(File::Osrelease)),
            (b"ostype", Fixed::File(File::Ostype)),
            (b"pid_max", Fixed::File(File::PidMax)),
            (b"random", Fixed::Dir(Dir::SysKernelRandom)),
        ],
        Some(Dir::SysKernelRandom) => &[(b"boot_id", Fixed::File(File::BootId))],
        Some(Dir::Net) => &[],
    }
}

/// An entry of `/proc/PID/` (and of `/proc/PID/task/TID/`, but `Task`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Entry {
    Auxv,
    Cmdline,
    Comm,
    Cwd,
    Environ,
    Exe,
    Fd,
    Fdinfo,
    Limits,
    Maps,
    Mountinfo,
    Mounts,
    Root,
    Stat,
    Status,
    Task,
}

const ENTRIES: [(&[u8], Entry); 16] = [
    (b"auxv", Entry::Auxv),
    (b"cmdline", Entry::Cmdline),
    (b"comm", Entry::Comm),
    (b"cwd", Entry::Cwd),
    (b"environ", Entry::Environ),
    (b"exe", Entry::Exe),
    (b"fd", Entry::Fd),
    (b"fdinfo", Entry::Fdinfo),
    (b"limits", Entry::Limits),
    (b"maps", Entry::Maps),
    (b"mountinfo", Entry::Mountinfo),
    (b"mounts", Entry::Mounts),
    (b"root", Entry::Root),
    (b"stat", Entry::Stat),
    (b"status", Entry::Status),
    (b"task", Entry::Task),
];

impl Entry {
    /// Its file type and permission bits, as Linux's.
    fn mode(self) -> u32 {
        match self {
            Entry::Cwd | Entry::Exe | Entry::Root => mode::S_IFLNK | 0o777,
            Entry::Fd | Entry::Fdinfo => mode::S_IFDIR | 0o500,
            Entry::Task => mode::S_IFDIR | 0o555,
            Entry::Auxv | Entry::Environ => mode::S_IFREG | 0o400,
            Entry::Comm => mode::S_IFREG | 0o644,
            _ => mode::S_IFREG | 0o444,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Root,
    SelfLink,
    ThreadSelf,
    Dir(Dir),
    File(File),
    /// `/proc/PID` or `/proc/PID/task/TID`.
    Proc(Who),
    Entry(Who, Entry),
    Fd(Who, i32),
    FdInfo(Who, i32),
    /// A file of `/proc/net`, by its place in the kernel's list.
    NetFile(u8),
}

/// A procfs inode.
struct Node {
    fs: Arc<Shared>,
    kind: Kind,
}

/// A random boot id in the form of Linux's `boot_id`.
fn random_uuid() -> String {
    let mut b = [0u8; 16];
    // Without entropy (never on Linux) the id is merely not random.
    let _ = getrandom::fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

impl ProcFs {
    /// A procfs with device number `dev`, showing nothing until attached.
    pub fn new(dev: u64) -> ProcFs {
        ProcFs { shared: Arc::new(Shared { dev, kernel: OnceLock::new(), boot: now_ns(), boot_id: random_uuid() }) }
    }

    /// The root directory.
    pub fn root(&self) -> InodeRef {
        Arc::new(Node { fs: self.shared.clone(), kind: Kind::Root })
    }

    /// Shows `kernel`'s processes and mounts.
    pub fn attach(&self, kernel: &Arc<Kernel>) {
        let _ = self.shared.kernel.set(Arc::downgrade(kernel));
    }
}

/// A decimal name (a PID, TID or descriptor), without a leading zero.
fn number(name: &[u8]) -> Option<i32> {
    if name.is_empty() || name.len() > 10 || (name[0] == b'0' && name.len() > 1) || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// Inode numbers, stable per name: fixed nodes below 256, a process's or
/// thread's nodes from [`Who::ino`] plus the entry's index (below 2^31),
/// descriptors with [`Who::ino`] from bit 32 on (descriptors are below
/// 2^20).
fn ino(kind: Kind) -> u64 {
    match kind {
        Kind::Root => 1,
        Kind::SelfLink => 2,
        Kind::ThreadSelf => 3,
        Kind::Dir(d) => 8 + d as u64,
        Kind::File(f) => 16 + f as u64,
        Kind::NetFile(i) => 64 + i as u64,
        Kind::Proc(w) => w.ino(),
        Kind::Entry(w, e) => w.ino() | (1 + e as u64),
        Kind::Fd(w, n) | Kind::FdInfo(w, n) => {
            let info = if matches!(kind, Kind::FdInfo(..)) { 1 << 30 } else { 0 };
            (w.ino() << 32) | (1 << 31) | info | n as u64
        }
    }
}

/// The clock ticks (`USER_HZ`, 100 a second) in `d`.
fn ticks(d: std::time::Duration) -> u64 {
    (d.as_nanos() / CLOCK_TICK_NS as u128) as u64
}

/// A mount as a process sees it, for `mounts` and `mountinfo`.
struct MountLine {
    id: u64,
    parent: u64,
    dev: u64,
    point: Vec<u8>,
    fs_type: &'static str,
    read_only: bool,
}

/// The mounts seen from `root`, in the order they were made (those
/// outside it are not seen).
fn mount_table(k: &Kernel, root: &Location) -> Vec<MountLine> {
    k.mounts
        .mounts()
        .into_iter()
        .filter_map(|m| {
            let loc = Location { mnt: m.clone(), dentry: m.root.clone() };
            let point = crate::vfs::ops::path_of(root, &loc)?;
            let parent = m.parent.as_ref().map_or(m.id, |(p, _)| p.id);
            Some(MountLine { id: m.id, parent, dev: m.root.inode.attr().dev, point, fs_type: m.fs_type, read_only: m.read_only })
        })
        .collect()
}

/// A path as mount tables print it: space, tab, newline and backslash
/// in octal.
fn mangle(p: &[u8]) -> String {
    let mut s = String::new();
    for &b in p {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\\') {
            let _ = write!(s, "\\{b:03o}");
        } else {
            s.push(b as char);
        }
    }
    s
}

/// `/proc/mounts` (and `PID/mounts`) from `root`.
fn mounts_text(k: &Kernel, root: &Location) -> String {
    let mut s = String::new();
    for m in mount_table(k, root) {
        let _ = writeln!(s, "{t} {} {t} {} 0 0", mangle(&m.point), if m.read_only { "ro" } else { "rw" }, t = m.fs_type);
    }
    s
}

/// `/proc/PID/mountinfo` from `root`.
fn mountinfo_text(k: &Kernel, root: &Location) -> String {
    let mut s = String::new();
    for m in mount_table(k, root) {
        let (major, minor) = dev_split(m.dev);
        let rw = if m.read_only { "ro" } else { "rw" };
        let _ = writeln!(s, "{} {} {major}:{minor} / {} {rw},relatime - {t} {t} {rw}", m.id, m.parent, mangle(&m.point), t = m.fs_type);
    }
    s
}

/// The name `maps` shows for an area (after the inode), if any: the one
/// place that knows how each kind of backing is named.
fn area_name(v: &Vma) -> Option<String> {
    match &v.backing {
        Backing::Heap => Some("[heap]".into()),
        Backing::Stack => Some("[stack]".into()),
        Backing::Vvar => Some("[vvar]".into()),
        Backing::Vdso => Some("[vdso]".into()),
        Backing::Image { name, .. } | Backing::File { name, .. } => Some(name.clone()),
        Backing::SharedAnonymous { .. } => Some("/dev/zero (deleted)".into()),
        Backing::Anonymous => None,
    }
}

/// One line of `/proc/PID/maps`, as Linux prints it.
fn maps_line(v: &Vma) -> String {
    let flag = |bit: u64, c: char| if v.prot & bit != 0 { c } else { '-' };
    let offset = match &v.backing {
        Backing::Image { offset, .. } | Backing::File { offset, .. } | Backing::SharedAnonymous { offset, .. } => *offset,
        _ => 0,
    };
    let (dev, ino) = match &v.backing {
        Backing::File { object, .. } => (object.dev, object.ino),
        Backing::Image { dev, ino, .. } => (*dev, *ino),
        _ => (0, 0),
    };
    let (major, minor) = dev_split(dev);
    let mut line = format!(
        "{:08x}-{:08x} {}{}{}{} {offset:08x} {major:02x}:{minor:02x} {ino} ",
        v.start,
        v.end,
        flag(abi::mm::prot::READ, 'r'),
        flag(abi::mm::prot::WRITE, 'w'),
        flag(abi::mm::prot::EXEC, 'x'),
        if v.shared { 's' } else { 'p' }
    );
    if let Some(name) = area_name(v) {
        // Linux pads the name to column 74.
        while line.len() < 73 {
            line.push(' ');
        }
        line.push_str(&name);
    }
    line.push('\n');
    line
}

/// Linux's `/proc/PID/limits` rows: name and unit of each resource.
const LIMIT_ROWS: [(&str, u32, &str); 16] = [
    ("Max cpu time", rlimit::CPU, "seconds"),
    ("Max file size", rlimit::FSIZE, "bytes"),
    ("Max data size", rlimit::DATA, "bytes"),
    ("Max stack size", rlimit::STACK, "bytes"),
    ("Max core file size", rlimit::CORE, "bytes"),
    ("Max resident set", rlimit::RSS, "bytes"),
    ("Max processes", rlimit::NPROC, "processes"),
    ("Max open files", rlimit::NOFILE, "files"),
    ("Max locked memory", rlimit::MEMLOCK, "bytes"),
    ("Max address space", rlimit::AS, "bytes"),
    ("Max file locks", rlimit::LOCKS, "locks"),
    ("Max pending signals", rlimit::SIGPENDING, "signals"),
    ("Max msgqueue size", rlimit::MSGQUEUE, "bytes"),
    ("Max nice priority", rlimit::NICE, ""),
    ("Max realtime priority", rlimit::RTPRIO, ""),
    ("Max realtime timeout", rlimit::RTTIME, "us"),
];

fn limits_text(tg: &ThreadGroup) -> String {
    let limits = tg.limits.lock().clone();
    let mut s = format!("{:<25} {:<20} {:<20} {:<10}\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    let value = |v: u64| if v == RLIM_INFINITY { "unlimited".to_string() } else { v.to_string() };
    for (name, res, unit) in LIMIT_ROWS {
        let l = limits.get(res).unwrap_or(abi::process::Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY });
        let _ = write!(s, "{name:<25} {:<20} {:<20} ", value(l.cur), value(l.max));
        if unit.is_empty() {
            s.push('\n');
        } else {
            let _ = writeln!(s, "{unit:<10}");
        }
    }
    s
}

/// A CPU mask as `Cpus_allowed` prints it (hex, a digit per 4 CPUs, a
/// comma between 32-bit words) and as `Cpus_allowed_list` does (ranges).
fn cpu_mask(mask: u64, cores: u32) -> (String, String) {
    let digits = cores.div_ceil(4).max(1) as usize;
    let hex = format!("{mask:0digits$x}");
    let mut grouped = String::new();
    for (i, c) in hex.chars().enumerate() {
        if i > 0 && (hex.len() - i) % 8 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let mut list = Vec::new();
    let mut cpu = 0;
    while cpu < 64 {
        if mask & (1 << cpu) == 0 {
            cpu += 1;
            continue;
        }
        let first = cpu;
        while cpu < 64 && mask & (1 << cpu) != 0 {
            cpu += 1;
        }
        list.push(if cpu - 1 == first { first.to_string() } else { format!("{first}-{}", cpu - 1) });
    }
    (grouped, list.join(","))
}

/// Sizes from the memory map model, in bytes: the whole map, the stack,
/// the executable images and private writable data.
struct MemSizes {
    total: u64,
    stack: u64,
    exe: u64,
    data: u64,
}

fn mem_sizes(areas: &[Vma]) -> MemSizes {
    let mut m = MemSizes { total: 0, stack: 0, exe: 0, data: 0 };
    for v in areas {
        m.total += v.len();
        match v.backing {
            Backing::Stack => m.stack += v.len(),
            Backing::Image { .. } if v.prot & abi::mm::prot::EXEC != 0 => m.exe += v.len(),
            _ if !v.shared && v.prot & abi::mm::prot::WRITE != 0 => m.data += v.len(),
            _ => {}
        }
    }
    m
}

/// Reads up to `len` bytes from `offset` on in `[start, end)` of a
/// task's memory, stopping at the first unreadable byte.
fn read_range(task: &TaskHandle, (start, end): (u64, u64), offset: u64, len: usize) -> Vec<u8> {
    let from = start.saturating_add(offset);
    if from >= end {
        return Vec::new();
    }
    let mut out = vec![0u8; (end - from).min(len as u64).min(1 << 24) as usize];
    let n = task.read_memory(from, &mut out);
    out.truncate(n);
    out
}

/// Up to `len` bytes at `offset` of `/proc/PID/cmdline`: the argument
/// strings as they are now; when the process has overwritten the NUL
/// ending them (`setproctitle`), as Linux: its title, the first page from
/// the arguments' start up to a NUL, which may run into the environment
/// (but not past its end).
fn cmdline(task: &TaskHandle, offset: u64, len: usize) -> Vec<u8> {
    let Some(mm) = task.mm.upgrade() else { return Vec::new() };
    let s = mm.arg_strings();
    let mut last = [0u8];
    let title = s.args.1 > s.args.0 && task.read_memory(s.args.1 - 1, &mut last) == 1 && last[0] != 0;
    if !title {
        return read_range(task, s.args, offset, len);
    }
    let end = if s.env.0 == s.args.1 { s.env.1.max(s.args.1) } else { s.args.1 };
    let mut page = read_range(task, (s.args.0, end.min(s.args.0.saturating_add(abi::PAGE_SIZE))), 0, abi::PAGE_SIZE as usize);
    if let Some(nul) = page.iter().position(|&b| b == 0) {
        page.truncate(nul + 1);
    }
    let from = usize::try_from(offset).unwrap_or(usize::MAX).min(page.len());
    page[from..].iter().take(len).copied().collect()
}

/// Up to `len` bytes at `offset` of `/proc/PID/environ`.
fn environ(task: &TaskHandle, offset: u64, len: usize) -> Vec<u8> {
    task.mm.upgrade().map_or_else(Vec::new, |mm| read_range(task, mm.arg_strings().env, offset, len))
}

impl Node {
    fn node(&self, kind: Kind) -> InodeRef {
        Arc::new(Node { fs: self.fs.clone(), kind })
    }

    fn contents(&self) -> Result<Vec<u8>, Errno> {
        let k = self.fs.kernel().ok_or(ENOENT)?;
        match self.kind {
            Kind::File(f) => Ok(self.system_file(&k, f)),
            Kind::NetFile(i) => {
                let names = k.net.proc_file_names();
                let name = names.get(usize::from(i)).ok_or(ENOENT)?;
                k.net.proc_file(name.as_bytes()).ok_or(ENOENT)
            }
            Kind::Entry(who, e) => self.entry_file(&k, who, e),
            Kind::FdInfo(who, n) => {
                let task = self.fs.inspect(who)?;
                let fds = task.fds.upgrade().ok_or(ENOENT)?;
                let file = fds.get(n).map_err(|_| ENOENT)?;
                let cloexec = if fds.get_cloexec(n).unwrap_or(false) { o::CLOEXEC } else { 0 };
                let pos = file.ops.seek(0, abi::fs::seek::CUR).unwrap_or(0);
                let loc = file.ops.location();
                let mnt = loc.as_ref().map_or(0, |l| l.mnt.id);
                let ino = file.ops.stat().map_or(0, |s| s.ino);
                Ok(format!("pos:\t{pos}\nflags:\t0{:o}\nmnt_id:\t{mnt}\nino:\t{ino}\n", file.flags() | cloexec).into_bytes())
            }
            _ => Err(EISDIR),
        }
    }

    fn system_file(&self, k: &Kernel, f: File) -> Vec<u8> {
        let s = match f {
            File::Mounts => reader_root().map(|r| mounts_text(k, &r)).unwrap_or_default(),
            File::Filesystems => "nodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\nnodev\toverlay\n".into(),
            File::Version => format!("Linux version {} (sandbox) {}\n", crate::kernel::uts::RELEASE, crate::kernel::uts::VERSION),
            File::Uptime => {
                let up = k.timekeeper.monotonic_ns();
                let idle = ticks(std::time::Duration::from_nanos(up as u64)).saturating_mul(k.application_cores as u64).saturating_sub(self.busy(k).total());
                format!("{}.{:02} {}.{:02}\n", up / 1_000_000_000, (up % 1_000_000_000) / 10_000_000, idle / 100, idle % 100)
            }
            File::Meminfo => {
                let (total, free) = nix::sys::sysinfo::sysinfo().map_or((0, 0), |si| (si.ram_total() / 1024, si.ram_unused() / 1024));
                let mut s = String::new();
                for (name, v) in [("MemTotal", total), ("MemFree", free), ("MemAvailable", free), ("Buffers", 0), ("Cached", 0), ("SwapTotal", 0), ("SwapFree", 0), ("Shmem", 0)] {
                    let _ = writeln!(s, "{:<16}{v:8} kB", format!("{name}:"));
                }
                s
            }
            File::Stat => {
                let cores = k.application_cores.max(1) as u64;
                let busy = self.busy(k);
                let up = ticks(std::time::Duration::from_nanos(k.timekeeper.monotonic_ns() as u64));
                let line = |name: &str, user: u64, system: u64, idle: u64| format!("{name} {user} 0 {system} {idle} 0 0 0 0 0 0\n");
                let mut s = line("cpu ", busy.user, busy.system, (up * cores).saturating_sub(busy.total()));
                for i in 0..cores {
                    let (u, sy) = (busy.user / cores, busy.system / cores);
                    s.push_str(&line(&format!("cpu{i}"), u, sy, up.saturating_sub(u + sy)));
                }
                let running = k.tasks.thread_groups().iter().flat_map(|tg| k.tasks.threads_of(tg.tgid)).filter(|h| h.state() == b'R').count();
                let _ = write!(s, "intr 0\nctxt 0\nbtime {}\nprocesses {}\nprocs_running {}\nprocs_blocked 0\n", self.fs.boot / 1_000_000_000, k.tasks.pids().len(), running.max(1));
                s
            }
            File::Loadavg => {
                let pids = k.tasks.pids();
                format!("0.00 0.00 0.00 1/{} {}\n", k.tasks.live_tasks(), pids.last().copied().unwrap_or(0))
            }
            File::Cpuinfo => {
                let mut s = String::new();
                for i in 0..k.application_cores {
                    let _ = write!(s, "processor\t: {i}\nvendor_id\t: sandbox\nmodel name\t: sandbox CPU\n\n");
                }
                s
            }
            File::Hostname => {
                let u = k.uts.utsname();
                let n = u.nodename.iter().position(|&b| b == 0).unwrap_or(u.nodename.len());
                format!("{}\n", String::from_utf8_lossy(&u.nodename[..n]))
            }
            File::Osrelease => format!("{}\n", crate::kernel::uts::RELEASE),
            File::Ostype => "Linux\n".into(),
            File::PidMax => format!("{}\n", crate::kernel::task_set::PID_MAX),
            File::NgroupsMax => format!("{}\n", crate::auth::NGROUPS_MAX),
            File::BootId => format!("{}\n", self.fs.boot_id),
        };
        s.into_bytes()
    }

    /// CPU time the live processes have used.
    fn busy(&self, k: &Kernel) -> CpuTicks {
        k.tasks.thread_groups().iter().fold(CpuTicks::default(), |acc, tg| {
            let u = tg.cpu.usage();
            CpuTicks { user: acc.user + u.user, system: acc.system + u.system }
        })
    }

    fn entry_file(&self, k: &Kernel, who: Who, e: Entry) -> Result<Vec<u8>, Errno> {
        let t = self.fs.target(who).ok_or(ENOENT)?;
        let fs_root = || t.task.as_ref().and_then(|h| h.fs.upgrade()).map(|fs| fs.root()).ok_or(ENOENT);
        Ok(match e {
            Entry::Stat => self.stat(k, who, &t)?.into_bytes(),
            Entry::Status => self.status(k, who, &t)?.into_bytes(),
            Entry::Comm => {
                let mut name = comm_of(&t).into_bytes();
                name.push(b'\n');
                name
            }
            Entry::Limits => limits_text(&t.tg).into_bytes(),
            Entry::Maps => {
                let mm = t.task.as_ref().and_then(|h| h.mm.upgrade()).ok_or(ENOENT)?;
                mm.areas().iter().map(maps_line).collect::<String>().into_bytes()
            }
            // A zombie's is empty, as on Linux.
            Entry::Auxv => t.task.as_ref().and_then(|h| h.mm.upgrade()).map_or_else(Vec::new, |mm| mm.auxv().iter().flat_map(|&(k, v)| [k, v]).flat_map(u64::to_ne_bytes).collect()),
            Entry::Mounts => mounts_text(k, &fs_root()?).into_bytes(),
            Entry::Mountinfo => mountinfo_text(k, &fs_root()?).into_bytes(),
            _ => return Err(EISDIR),
        })
    }

    /// `stat`, in proc(5)'s order of fields.
    fn stat(&self, k: &Kernel, who: Who, t: &Target) -> Result<String, Errno> {
        let pid = who.pid;
        let id = if who.tid != 0 { who.tid } else { pid };
        let (pgid, sid) = k.tasks.group_and_session(pid)?;
        let ppid = k.tasks.parent_of(pid);
        let state = state_letter(t);
        let threads = k.tasks.threads_of(pid);
        let cpu = if who.tid != 0 { t.tg.cpu.thread(who.tid).map(|c| c.usage()).unwrap_or_default() } else { t.tg.cpu.usage() };
        let children = *t.tg.children_usage.lock();
        let started = if who.tid != 0 { t.task.as_ref().map_or(0, |h| h.started) } else { threads.iter().map(|h| h.started).min().unwrap_or(0) };
        let mm = t.task.as_ref().and_then(|h| h.mm.upgrade()).filter(|_| !t.zombie);
        let areas = mm.as_ref().map(|m| m.areas()).unwrap_or_default();
        let vsize = mem_sizes(&areas).total;
        let rss_pages = t.task.as_ref().filter(|_| mm.is_some()).map_or(0, |h| h.resident_kib().0 / 4);
        let rsslim = t.tg.limits.lock().get(rlimit::RSS).map_or(RLIM_INFINITY, |l| l.cur);
        let permitted = may_inspect(&t.tg);
        let code = areas.iter().find(|v| matches!(v.backing, Backing::Image { .. }) && v.prot & abi::mm::prot::EXEC != 0);
        let (start_code, end_code, start_stack) = match (&mm, permitted) {
            (Some(m), true) => (code.map_or(0, |v| v.start), code.map_or(0, |v| v.end), m.arg_strings().args.0),
            (Some(_), false) => (1, 1, 0),
            (None, _) => (0, 0, 0),
        };
        let strings = mm.as_ref().filter(|_| permitted).map(|m| (m.arg_strings(), m.brk_range().0)).unwrap_or_default();
        let (pending, blocked, ignored, caught) = signal_sets(&t.tg, t.task.as_ref().map(|h| h.tid));
        let exit_signal = if who.tid != 0 && who.tid != pid { -1 } else { t.tg.exit_signal };
        let exit_code = if t.zombie && permitted { t.tg.exit_status().map_or(0, |s| s.wait_status()) } else { 0 };
        let started_ticks = (started / CLOCK_TICK_NS) as u64;
        let nice = t.task.as_ref().map_or(0, |h| h.nice.load(Ordering::Relaxed));
        Ok(format!(
            "{id} ({}) {} {ppid} {pgid} {sid} 0 -1 0 0 0 0 0 {} {} {} {} {} {nice} {} 0 {started_ticks} {vsize} {rss_pages} {rsslim} {start_code} {end_code} {start_stack} 0 0 {pending} {blocked} {ignored} {caught} 0 0 0 {exit_signal} 0 0 0 0 0 0 0 0 {} {} {} {} {} {exit_code}\n",
            comm_of(t),
            state as char,
            cpu.user,
            cpu.system,
            ticks(children.user),
            ticks(children.system),
            20 + nice,
            threads.len().max(1),
            strings.1,
            strings.0.args.0,
            strings.0.args.1,
            strings.0.env.0,
            strings.0.env.1,
        ))
    }

    /// `status`, in Linux's order of lines.
    fn status(&self, k: &Kernel, who: Who, t: &Target) -> Result<String, Errno> {
        let pid = who.pid;
        let id = if who.tid != 0 { who.tid } else { pid };
        let (pgid, sid) = k.tasks.group_and_session(pid)?;
        let ppid = k.tasks.parent_of(pid);
        let c = t.tg.creds.lock().clone();
        let state = match state_letter(t) {
            b'R' => "R (running)",
            b'S' => "S (sleeping)",
            b'T' => "T (stopped)",
            _ => "Z (zombie)",
        };
        let task = t.task.as_ref().filter(|_| !t.zombie);
        let umask = task.and_then(|h| h.fs.upgrade()).map_or(0o022, |fs| fs.umask());
        let fdsize = task.and_then(|h| h.fds.upgrade()).map_or(0, |f| f.max_fds().max(64));
        let mut s = format!("Name:\t{}\nUmask:\t{umask:04o}\nState:\t{state}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{id}\nPPid:\t{ppid}\nTracerPid:\t0\n", comm_of(t));
        let _ = writeln!(s, "Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t{fdsize}", c.uid, c.euid, c.suid, c.fsuid, c.gid, c.egid, c.sgid, c.fsgid);
        s.push_str("Groups:\t");
        s.push_str(&c.groups.iter().map(u32::to_string).collect::<Vec<_>>().join(" "));
        let _ = writeln!(s, " \nNStgid:\t{pid}\nNSpid:\t{id}\nNSpgid:\t{pgid}\nNSsid:\t{sid}");
        if let Some(h) = task {
            if let Some(mm) = h.mm.upgrade() {
                let m = mem_sizes(&mm.areas());
                let (rss, hwm) = h.resident_kib();
                let kb = |b: u64| b / 1024;
                for (name, v) in [("VmPeak", kb(m.total)), ("VmSize", kb(m.total)), ("VmLck", 0), ("VmPin", 0), ("VmHWM", hwm), ("VmRSS", rss), ("VmData", kb(m.data)), ("VmStk", kb(m.stack)), ("VmExe", kb(m.exe)), ("VmLib", 0), ("VmPTE", 0), ("VmSwap", 0)] {
                    let _ = writeln!(s, "{name}:\t{v:8} kB");
                }
            }
        }
        let (pending, blocked, ignored, caught) = signal_sets(&t.tg, t.task.as_ref().map(|h| h.tid));
        let shared = t.tg.signals.lock().shared.set().0;
        let sigq_limit = t.tg.limits.lock().get(rlimit::SIGPENDING).map_or(0, |l| l.cur);
        let threads = k.tasks.threads_of(pid).len().max(1);
        let _ = writeln!(s, "Threads:\t{threads}\nSigQ:\t{}/{sigq_limit}", (pending | shared).count_ones());
        let _ = writeln!(s, "SigPnd:\t{:016x}\nShdPnd:\t{shared:016x}\nSigBlk:\t{blocked:016x}\nSigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}", pending & !shared);
        let _ = writeln!(s, "CapInh:\t{:016x}\nCapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t{:016x}\nCapAmb:\t{:016x}", c.cap_inheritable, c.cap_permitted, c.cap_effective, c.cap_bounding, c.cap_ambient);
        let nnp = task.is_some_and(|h| h.no_new_privs.load(Ordering::Relaxed));
        let _ = writeln!(s, "NoNewPrivs:\t{}\nSeccomp:\t0\nSeccomp_filters:\t0", nnp as u8);
        let mask = task.map_or(0, |h| h.affinity.load(Ordering::Relaxed));
        let (hex, list) = cpu_mask(mask, k.application_cores);
        let _ = write!(s, "Cpus_allowed:\t{hex}\nCpus_allowed_list:\t{list}\nMems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
        Ok(s)
    }
}

/// The host name after `data` is written at `offset` into
/// `/proc/sys/kernel/hostname` holding `current`, as Linux's string
/// sysctls take it: the bytes before `offset` stay, the written ones up
/// to a NUL or newline follow, and nothing after; at most
/// [`NAME_MAX`](crate::kernel::uts::NAME_MAX) bytes.
fn hostname_after_write(current: &[u8], data: &[u8], offset: u64) -> Vec<u8> {
    let keep = usize::try_from(offset).unwrap_or(usize::MAX).min(current.len());
    let end = data.iter().position(|&b| b == 0 || b == b'\n').unwrap_or(data.len());
    let mut name = current[..keep].to_vec();
    name.extend_from_slice(&data[..end]);
    name.truncate(crate::kernel::uts::NAME_MAX);
    name
}

/// The state letter of what `t` shows.
fn state_letter(t: &Target) -> u8 {
    if t.zombie {
        return b'Z';
    }
    t.task.as_ref().map_or(b'Z', TaskHandle::state)
}

/// The name of what `t` shows: its thread's `comm`, else (a zombie) its
/// executable's file name cut to 15 bytes.
fn comm_of(t: &Target) -> String {
    let comm: [u8; TASK_COMM_LEN] = match &t.task {
        Some(h) => *h.comm.lock(),
        None => {
            let exe = t.tg.exe.lock().file_name().map(|n| n.as_encoded_bytes().to_vec()).unwrap_or_default();
            let mut c = [0; TASK_COMM_LEN];
            let n = exe.len().min(TASK_COMM_LEN - 1);
            c[..n].copy_from_slice(&exe[..n]);
            c
        }
    };
    let n = comm.iter().position(|&b| b == 0).unwrap_or(TASK_COMM_LEN);
    String::from_utf8_lossy(&comm[..n]).into_owned()
}

/// A thread's pending (its own and the process's) and blocked signals,
/// and the process's ignored and caught ones, as bit masks.
fn signal_sets(tg: &ThreadGroup, tid: Option<i32>) -> (u64, u64, u64, u64) {
    let s = tg.signals.lock();
    let thread = tid.and_then(|t| s.threads.get(&t));
    let pending = s.shared.set().0 | thread.map_or(0, |t| t.pending.set().0);
    let blocked = thread.map_or(0, |t| t.mask.0);
    let (mut ignored, mut caught) = (0u64, 0u64);
    for (i, a) in s.actions.iter().enumerate() {
        match a.handler {
            SIG_IGN => ignored |= 1 << i,
            SIG_DFL => {}
            _ => caught |= 1 << i,
        }
    }
    (pending, blocked, ignored, caught)
}

impl Inode for Node {
    fn attr(&self) -> Attr {
        let (m, nlink) = match self.kind {
            Kind::Root | Kind::Dir(_) | Kind::Proc(_) => (mode::S_IFDIR | 0o555, 2),
            Kind::SelfLink | Kind::ThreadSelf => (mode::S_IFLNK | 0o777, 1),
            Kind::File(File::Hostname) => (mode::S_IFREG | 0o644, 1),
            Kind::File(_) | Kind::NetFile(_) => (mode::S_IFREG | 0o444, 1),
            Kind::Entry(_, e) => (e.mode(), if e.mode() & mode::S_IFMT == mode::S_IFDIR { 2 } else { 1 }),
            Kind::Fd(who, n) => {
                // As Linux: the link's bits say how the file is open.
                let file = self.fs.target(who).and_then(|t| t.task?.fds.upgrade()).and_then(|f| f.get(n).ok());
                let bits = file.map_or(0o700, |f| match f.flags() & o::ACCMODE {
                    o::RDONLY => 0o500,
                    o::WRONLY => 0o300,
                    _ => 0o700,
                });
                (mode::S_IFLNK | bits, 1)
            }
            Kind::FdInfo(..) => (mode::S_IFREG | 0o400, 1),
        };
        let (uid, gid) = match self.kind {
            Kind::Proc(w) | Kind::Entry(w, _) | Kind::Fd(w, _) | Kind::FdInfo(w, _) => self.fs.kernel().and_then(|k| k.tasks.process(w.pid)).map_or((0, 0), |tg| {
                // A process's own fd/ and fdinfo/ are open to it whoever
                // owns them (Linux's proc_fd_permission): shown as its own.
                if matches!(self.kind, Kind::Entry(_, Entry::Fd | Entry::Fdinfo)) && is_reader(&tg) {
                    let c = tg.creds.lock();
                    return (c.fsuid, c.fsgid);
                }
                // A process that may not be dumped has its files owned by
                // root, but for its directories open to all.
                if tg.dumpable.load(Ordering::Relaxed) != 1 && m != mode::S_IFDIR | 0o555 {
                    return (0, 0);
                }
                let c = tg.creds.lock();
                (c.euid, c.egid)
            }),
            _ => (0, 0),
        };
        let t = self.fs.boot;
        Attr { ino: ino(self.kind), dev: self.fs.dev, mode: m, nlink, uid, gid, atime: t, mtime: t, ctime: t, btime: t, ..Attr::default() }
    }

    fn setattr(&self, _set: &SetAttr) -> Result<(), Errno> {
        Err(EPERM)
    }

    fn lookup(&self, name: &[u8]) -> Result<InodeRef, Errno> {
        match self.kind {
            Kind::Root | Kind::Dir(_) => {
                let dir = if let Kind::Dir(d) = self.kind { Some(d) } else { None };
                if let Some((_, f)) = fixed_children(dir).iter().find(|(n, _)| *n == name) {
                    return Ok(self.node(match f {
                        Fixed::Dir(d) => Kind::Dir(*d),
                        Fixed::File(f) => Kind::File(*f),
                    }));
                }
                if dir == Some(Dir::Net) {
                    let k = self.fs.kernel().ok_or(ENOENT)?;
                    let i = k.net.proc_file_names().iter().position(|n| n.as_bytes() == name).ok_or(ENOENT)?;
                    return Ok(self.node(Kind::NetFile(u8::try_from(i).map_err(|_| ENOENT)?)));
                }
                if dir.is_some() {
                    return Err(ENOENT);
                }
                match name {
                    b"self" => return Ok(self.node(Kind::SelfLink)),
                    b"thread-self" => return Ok(self.node(Kind::ThreadSelf)),
                    _ => {}
                }
                let pid = number(name).ok_or(ENOENT)?;
                let who = Who { pid, tid: 0 };
                self.fs.target(who).ok_or(ENOENT)?;
                Ok(self.node(Kind::Proc(who)))
            }
            Kind::Proc(who) => {
                self.fs.target(who).ok_or(ENOENT)?;
                let (_, e) = ENTRIES.iter().find(|(n, e)| *n == name && !(who.tid != 0 && *e == Entry::Task)).ok_or(ENOENT)?;
                Ok(self.node(Kind::Entry(who, *e)))
            }
            Kind::Entry(who, Entry::Task) => {
                let tid = number(name).ok_or(ENOENT)?;
                let thread = Who { pid: who.pid, tid };
                self.fs.target(thread).ok_or(ENOENT)?;
                Ok(self.node(Kind::Proc(thread)))
            }
            Kind::Entry(who, e @ (Entry::Fd | Entry::Fdinfo)) => {
                let n = number(name).ok_or(ENOENT)?;
                let task = self.fs.target(who).and_then(|t| t.task).ok_or(ENOENT)?;
                task.fds.upgrade().ok_or(ENOENT)?.get(n).map_err(|_| ENOENT)?;
                Ok(self.node(if e == Entry::Fd { Kind::Fd(who, n) } else { Kind::FdInfo(who, n) }))
            }
            _ => Err(ENOTDIR),
        }
    }

    /// As a directory without the operation: `open(O_CREAT)` is
    /// `EACCES`, `mkdir`, `mknod` and `symlink` are `EPERM`.
    fn create(&self, _name: &[u8], spec: NodeSpec, _perm: u32, _uid: u32, _gid: u32) -> Result<InodeRef, Errno> {
        Err(if spec == NodeSpec::Regular { EACCES } else { EPERM })
    }

    fn unlink(&self, _name: &[u8], _dir: bool) -> Result<(), Errno> {
        Err(EPERM)
    }

    fn link(&self, _name: &[u8], _target: &InodeRef) -> Result<(), Errno> {
        Err(EPERM)
    }

    fn rename(&self, _old: &[u8], _new_dir: &InodeRef, _new: &[u8], _flags: u32) -> Result<(), Errno> {
        Err(EPERM)
    }

    fn readdir(&self) -> Result<Vec<DirEntry>, Errno> {
        let entry = |name: &[u8], kind: Kind| DirEntry { name: name.to_vec(), ino: ino(kind), dtype: self.node(kind).attr().dtype() };
        match self.kind {
            Kind::Root | Kind::Dir(_) => {
                let dir = if let Kind::Dir(d) = self.kind { Some(d) } else { None };
                let mut out: Vec<DirEntry> = fixed_children(dir)
                    .iter()
                    .map(|(n, f)| match f {
                        Fixed::Dir(d) => entry(n, Kind::Dir(*d)),
                        Fixed::File(f) => entry(n, Kind::File(*f)),
                    })
                    .collect();
                if let (Some(Dir::Net), Some(k)) = (dir, self.fs.kernel()) {
                    for (i, n) in k.net.proc_file_names().iter().enumerate().take(usize::from(u8::MAX)) {
                        out.push(entry(n.as_bytes(), Kind::NetFile(i as u8)));
                    }
                }
                if dir.is_none() {
                    out.push(entry(b"self", Kind::SelfLink));
                    out.push(entry(b"thread-self", Kind::ThreadSelf));
                    if let Some(k) = self.fs.kernel() {
                        for pid in k.tasks.process_ids(true) {
                            let who = Who { pid, tid: 0 };
                            out.push(DirEntry { name: pid.to_string().into_bytes(), ino: ino(Kind::Proc(who)), dtype: dt::DIR });
                        }
                    }
                }
                Ok(out)
            }
            Kind::Proc(who) => {
                self.fs.target(who).ok_or(ENOENT)?;
                Ok(ENTRIES.iter().filter(|(_, e)| !(who.tid != 0 && *e == Entry::Task)).map(|(n, e)| entry(n, Kind::Entry(who, *e))).collect())
            }
            Kind::Entry(who, Entry::Task) => {
                let k = self.fs.kernel().ok_or(ENOENT)?;
                Ok(k.tasks.threads_of(who.pid).iter().map(|h| DirEntry { name: h.tid.to_string().into_bytes(), ino: ino(Kind::Proc(Who { pid: who.pid, tid: h.tid })), dtype: dt::DIR }).collect())
            }
            Kind::Entry(who, e @ (Entry::Fd | Entry::Fdinfo)) => {
                let task = self.fs.target(who).and_then(|t| t.task).ok_or(ENOENT)?;
                let fds = task.fds.upgrade().ok_or(ENOENT)?;
                Ok(fds
                    .open_fds()
                    .into_iter()
                    .map(|n| {
                        let kind = if e == Entry::Fd { Kind::Fd(who, n) } else { Kind::FdInfo(who, n) };
                        DirEntry { name: n.to_string().into_bytes(), ino: ino(kind), dtype: if e == Entry::Fd { dt::LNK } else { dt::REG } }
                    })
                    .collect())
            }
            _ => Err(ENOTDIR),
        }
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        let k = self.fs.kernel().ok_or(ENOENT)?;
        match self.kind {
            Kind::SelfLink => current().map(|(tg, _)| tg.tgid.to_string().into_bytes()).ok_or(ENOENT),
            Kind::ThreadSelf => current().map(|(tg, tid)| format!("{}/task/{tid}", tg.tgid).into_bytes()).ok_or(ENOENT),
            Kind::Entry(who, Entry::Exe) => {
                let task = self.fs.inspect(who)?;
                let exe = task.tg.exe.lock().as_os_str().as_encoded_bytes().to_vec();
                Ok(exe)
            }
            Kind::Entry(_, Entry::Cwd | Entry::Root) | Kind::Fd(..) => {
                let (text, _) = self.link_target(&k)?;
                Ok(text)
            }
            _ => Err(EINVAL),
        }
    }

    fn jump(&self) -> Option<Result<Location, Errno>> {
        match self.kind {
            Kind::Entry(_, Entry::Cwd | Entry::Root) | Kind::Fd(..) => {
                Some(self.fs.kernel().ok_or(ENOENT).and_then(|k| self.link_target(&k)).map(|(_, loc)| loc))
            }
            _ => None,
        }
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        if let Kind::Entry(who, e @ (Entry::Cmdline | Entry::Environ)) = self.kind {
            // Read in place from the app's memory: only what is asked for.
            let t = self.fs.target(who).ok_or(ENOENT)?;
            let data = match (t.task.filter(|_| !t.zombie), e) {
                (None, _) => Vec::new(),
                (Some(task), Entry::Cmdline) => cmdline(&task, offset, buf.len()),
                (Some(task), _) => environ(&task, offset, buf.len()),
            };
            buf[..data.len()].copy_from_slice(&data);
            return Ok(data.len());
        }
        let data = self.contents()?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.len());
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    /// `comm` is writable by a thread of its own process (`EINVAL` for
    /// others, as Linux): the first 15 bytes become the name. The host
    /// name is writable by whoever could open it (root): see
    /// [`hostname_after_write`]. Other files are `EROFS`.
    fn write_at(&self, data: &[u8], offset: u64) -> Result<usize, Errno> {
        if self.kind == Kind::File(File::Hostname) {
            let k = self.fs.kernel().ok_or(ENOENT)?;
            let u = k.uts.utsname();
            let len = u.nodename.iter().position(|&b| b == 0).unwrap_or(u.nodename.len());
            k.uts.set_hostname(&hostname_after_write(&u.nodename[..len], data, offset));
            return Ok(data.len());
        }
        let Kind::Entry(who, Entry::Comm) = self.kind else { return Err(EROFS) };
        let t = self.fs.target(who).ok_or(ENOENT)?;
        let task = t.task.filter(|_| is_reader(&t.tg)).ok_or(EINVAL)?;
        crate::kernel::task::set_comm(&task.comm, &data[..data.len().min(TASK_COMM_LEN - 1)]);
        Ok(data.len())
    }

    fn check_open(&self) -> Result<(), Errno> {
        match self.kind {
            Kind::Entry(who, Entry::Auxv | Entry::Environ | Entry::Maps) | Kind::FdInfo(who, _) => self.fs.inspect(who).map(|_| ()),
            _ => Ok(()),
        }
    }

    fn statfs(&self) -> Statfs {
        Statfs { kind: PROC_MAGIC, bsize: 4096, namelen: 255, frsize: 4096, ..Statfs::default() }
    }
}

impl Node {
    /// What `cwd`, `root` or `fd/N` reads as, and where it leads (checked
    /// against the reader's right to inspect the process).
    fn link_target(&self, k: &Kernel) -> Result<(Vec<u8>, Location), Errno> {
        match self.kind {
            Kind::Entry(who, e @ (Entry::Cwd | Entry::Root)) => {
                let task = self.fs.inspect(who)?;
                let fs = task.fs.upgrade().ok_or(ENOENT)?;
                let loc = if e == Entry::Cwd { fs.cwd() } else { fs.root() };
                Ok((path_for_reader(k, &loc), loc))
            }
            Kind::Fd(who, n) => {
                let task = self.fs.inspect(who)?;
                let fds = task.fds.upgrade().ok_or(ENOENT)?;
                fd_target(k, &fds, n)
            }
            _ => Err(EINVAL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_lines_are_linuxs() {
        let v = Vma { start: 0x400000, end: 0x401000, prot: 5, shared: false, backing: Backing::Image { name: "/bin/x".into(), offset: 0x1000, dev: 0, ino: 0 }, accounted: false };
        let line = maps_line(&v);
        assert_eq!(line.find("/bin/x"), Some(73));
        assert!(line.starts_with("00400000-00401000 r-xp 00001000 00:00 0 "));
        let anon = Vma { start: 0x7000_0000_0000, end: 0x7000_0000_2000, prot: 3, shared: true, backing: Backing::SharedAnonymous { id: 1, offset: 0 }, accounted: false };
        assert!(maps_line(&anon).starts_with("700000000000-700000002000 rw-s 00000000 00:00 0 "));
        let plain = Vma { backing: Backing::Anonymous, ..anon };
        assert!(maps_line(&plain).ends_with(" 0 \n"));
    }

    #[test]
    fn hostname_writes_are_sysctl_strings() {
        assert_eq!(hostname_after_write(b"old", b"new\n", 0), b"new");
        assert_eq!(hostname_after_write(b"ab", b"cd", 2), b"abcd");
        assert_eq!(hostname_after_write(b"abc", b"x\0y", 1), b"ax");
        assert_eq!(hostname_after_write(b"", &[b'h'; 100], 0).len(), 64);
    }

    #[test]
    fn cpu_masks_print_as_linux() {
        assert_eq!(cpu_mask(0b11, 2), ("3".into(), "0-1".into()));
        assert_eq!(cpu_mask(0b1011, 8), ("0b".into(), "0-1,3".into()));
        assert_eq!(cpu_mask(u64::MAX, 64).0, "ffffffff,ffffffff");
    }

    #[test]
    fn names_are_numbers_without_leading_zeros() {
        assert_eq!(number(b"12"), Some(12));
        assert_eq!(number(b"0"), Some(0));
        assert_eq!(number(b"012"), None);
        assert_eq!(number(b"1x"), None);
        assert_eq!(number(b"99999999999"), None);
    }

    #[test]
    fn inode_numbers_differ_between_a_process_and_its_threads() {
        let p = Who { pid: 5, tid: 0 };
        let t = Who { pid: 5, tid: 5 };
        let all = [ino(Kind::Proc(p)), ino(Kind::Proc(t)), ino(Kind::Entry(p, Entry::Stat)), ino(Kind::Entry(t, Entry::Stat)), ino(Kind::Fd(p, 1)), ino(Kind::Fd(t, 1)), ino(Kind::FdInfo(p, 1))];
        let set: std::collections::HashSet<u64> = all.iter().copied().collect();
        assert_eq!(set.len(), all.len());
        assert!(ino(Kind::File(File::BootId)) < 256);
    }
}
