//! The loader: turns an executable into a running image in a task's
//! address space, as Linux's `execve` does for ELF binaries.
//!
//! Supported: static `ET_EXEC` programs and static-PIE `ET_DYN` programs.
//! Programs that need a dynamic loader (`PT_INTERP`) are refused with
//! `ENOEXEC` and a message saying so.

mod elf;
mod script;
mod stack;

use std::ffi::OsString;
use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::FileExt;
use std::fmt;
use std::io;
use std::path::PathBuf;

use std::os::unix::ffi::OsStringExt;

use abi::Errno;

use crate::auth::Credentials;
use crate::kernel::task::Task;
use crate::vfs::{self, Location, MountNamespace};

pub use elf::ElfImage;

/// Why a program could not be started.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io(PathBuf, io::Error),
    /// The file is not an executable the sandbox can run (`ENOEXEC`).
    NotExecutable(String),
    /// The arguments and environment are too large (`E2BIG`).
    TooBig,
    /// The model refused a mapping (an errno such as `ENOMEM`).
    Memory(Errno),
    /// The platform failed to start a stub process.
    Platform(io::Error),
}

impl LoadError {
    /// The errno `execve` returns for this error.
    pub fn errno(&self) -> Errno {
        match self {
            LoadError::Io(_, e) => Errno(e.raw_os_error().unwrap_or(abi::errno::EIO.0)),
            LoadError::NotExecutable(_) => abi::errno::ENOEXEC,
            LoadError::TooBig => abi::errno::E2BIG,
            LoadError::Memory(e) => *e,
            LoadError::Platform(_) => abi::errno::ENOMEM,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The caller names the program.
            LoadError::Io(_, e) => write!(f, "{e}"),
            LoadError::NotExecutable(why) => write!(f, "exec format error: {why}"),
            LoadError::TooBig => write!(f, "argument list too long"),
            LoadError::Memory(e) => write!(f, "cannot map the program: {e}"),
            LoadError::Platform(e) => write!(f, "cannot start the sandbox process: {e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// An open executable: its segments are mapped from the file itself, so
/// only its first page is read.
pub struct Executable {
    /// The path it was opened at.
    pub path: PathBuf,
    file: File,
    len: u64,
    head: Vec<u8>,
}

impl Executable {
    /// Up to the first page of the file.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// The file's size.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads exactly `buf.len()` bytes at `offset`.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(buf, offset)
    }

    /// The open file, to map from.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

impl Executable {
    /// An executable from an open host file holding its contents (what
    /// the VFS gives for the file at `path`); reads its first page.
    pub fn new(path: PathBuf, file: File) -> Result<Executable, Errno> {
        let io = |e: io::Error| Errno(e.raw_os_error().unwrap_or(abi::errno::EIO.0));
        let len = file.metadata().map_err(io)?.len();
        let mut head = vec![0u8; len.min(abi::PAGE_SIZE) as usize];
        file.read_exact_at(&mut head, 0).map_err(io)?;
        Ok(Executable { path, file, len, head })
    }
}

/// How many `#!` interpreters may follow one another (Linux's limit).
const MAX_INTERPRETERS: usize = 4;

/// Finds the program `execve` runs for `exe` with `argv`, following `#!`
/// lines to their interpreters (opened with `open`, which checks that
/// each is a regular file the caller may execute) and rewriting the
/// arguments as Linux does: `interpreter [arg] path argv[1..]`.
pub fn open_program(
    exe: Executable,
    mut argv: Vec<OsString>,
    open: impl Fn(&[u8]) -> Result<Executable, Errno>,
) -> Result<(Executable, Vec<OsString>), Errno> {
    let mut exe = exe;
    for _ in 0..=MAX_INTERPRETERS {
        let Some((interp, arg)) = script::interpreter(&exe.head()[..exe.head().len().min(script::LINE_MAX)]) else {
            return Ok((exe, argv));
        };
        let mut next = vec![OsString::from_vec(interp.clone())];
        next.extend(arg.map(OsString::from_vec));
        next.push(exe.path.clone().into_os_string());
        next.extend(argv.into_iter().skip(1));
        argv = next;
        exe = open(&interp)?;
    }
    Err(abi::errno::ELOOP)
}

/// A new image ready to load: everything `execve` checks before it starts
/// replacing the old one.
pub struct Prepared {
    plan: elf::Plan,
    strings: stack::Strings,
    stack_limit: u64,
}

/// Checks that `exe`, which the app asked for as `filename` (its
/// `AT_EXECFN`), can be loaded with `argv` and `envv`, and works out where
/// everything goes; changes nothing.
pub fn prepare(task: &Task, exe: &Executable, filename: &[u8], argv: &[OsString], envv: &[OsString]) -> Result<Prepared, LoadError> {
    let image = ElfImage::parse(exe)?;
    let stack_limit = task.tg.limits.lock().get(abi::process::rlimit::STACK).map_or(8 << 20, |l| l.cur);
    let strings = stack::Strings::new(argv, envv, filename, stack_limit)?;
    let plan = image.plan(&exe.path.to_string_lossy())?;
    Ok(Prepared { plan, strings, stack_limit })
}

/// Replaces the task's image with the prepared `exe` (also the task's new
/// name): maps it, builds the initial stack, and sets the registers for
/// its first instruction. `reuse`: the task's address space still holds
/// the old image, which goes first.
pub fn exec(task: &mut Task, exe: &Executable, prepared: Prepared, filename: &[u8], reuse: bool) -> Result<(), LoadError> {
    let Prepared { plan, strings, stack_limit } = prepared;
    let stack = stack::area(stack_limit);
    let stack_base = stack.start;
    let loaded = plan.loaded;
    plan.load(task, exe, stack, reuse)?;
    let sp = stack::build(task, &loaded, &strings, stack_base)?;
    task.ctx.regs = abi::regs::Regs::for_exec(loaded.entry, sp, &task.ctx.regs);
    task.ctx.reset_fpu_on_resume();
    let name = filename.rsplit(|&b| b == b'/').next().unwrap_or(filename);
    task.set_comm(name);
    Ok(())
}

/// The file `execve` runs at `loc`: a regular file the caller may
/// execute (`EACCES` otherwise), as its path from `root` and a host file
/// holding its contents for the loader to map.
pub fn executable(creds: &Credentials, root: &Location, loc: &Location) -> Result<Executable, Errno> {
    let a = loc.dentry.attr();
    if !a.is_regular() {
        return Err(abi::errno::EACCES);
    }
    vfs::perm::check(creds, &a, vfs::perm::MAY_EXEC)?;
    let file = loc.inode().host_file()?;
    let path = vfs::ops::path_of(root, loc).unwrap_or_else(|| loc.dentry.name());
    Executable::new(std::path::PathBuf::from(std::ffi::OsString::from_vec(path)), file)
}

/// Resolves `path` from `start` for `execve` (following a last link
/// when `follow`) and opens it as [`executable`] does.
pub fn find_executable(ns: &MountNamespace, creds: &Credentials, root: &Location, start: &Location, path: &[u8], follow: bool) -> Result<Executable, Errno> {
    let loc = vfs::path::Resolver::new(ns, root.clone(), creds).resolve(start, path, follow)?;
    executable(creds, root, &loc)
}
