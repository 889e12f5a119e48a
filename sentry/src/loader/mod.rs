//! The loader: turns an executable into a running image in a task's
//! address space, as Linux's `execve` does for ELF binaries.
//!
//! Supported: static `ET_EXEC` programs and static-PIE `ET_DYN` programs.
//! Programs that need a dynamic loader (`PT_INTERP`) are refused with
//! `ENOEXEC` and a message saying so.

mod elf;
mod stack;

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use abi::Errno;

use crate::kernel::task::Task;

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
            LoadError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            LoadError::NotExecutable(why) => write!(f, "exec format error: {why}"),
            LoadError::TooBig => write!(f, "argument list too long"),
            LoadError::Memory(e) => write!(f, "cannot map the program: {e}"),
            LoadError::Platform(e) => write!(f, "cannot start the sandbox process: {e}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// An executable read into memory.
pub struct Executable {
    /// The path it was read from.
    pub path: PathBuf,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Reads a host executable.
pub fn read_executable(path: &Path) -> Result<Executable, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io(path.to_path_buf(), e))?;
    Ok(Executable { path: path.to_path_buf(), bytes })
}

/// Replaces the task's image with `exe`: maps it, builds the initial
/// stack, and sets the registers for its first instruction.
pub fn exec(task: &mut Task, exe: &Executable, argv: &[OsString], envv: &[OsString]) -> Result<(), LoadError> {
    let image = ElfImage::parse(&exe.bytes)?;
    let stack_limit = task.tg.limits.lock().get(abi::process::rlimit::STACK).map_or(8 << 20, |l| l.cur);
    let strings = stack::Strings::new(argv, envv, &exe.path, stack_limit)?;
    let loaded = image.load(task, &exe.path.to_string_lossy())?;
    let sp = stack::build(task, &loaded, &strings, stack_limit)?;
    task.ctx.regs = abi::regs::Regs::for_exec(loaded.entry, sp, &task.ctx.regs);
    task.ctx.reset_fpu_on_resume();
    let name = exe.path.file_name().map(|n| n.as_encoded_bytes().to_vec()).unwrap_or_default();
    task.set_comm(&name);
    Ok(())
}
