//! The loader: turns an executable into a running image in a task's
//! address space, as Linux's `execve` does for ELF binaries (its
//! `binfmt_script` and `binfmt_elf`).
//!
//! `#!` scripts are run by their interpreters. An ELF program (`ET_EXEC`
//! or position-independent `ET_DYN`) is mapped from its file; one that
//! names an interpreter (`PT_INTERP`, the dynamic loader) has it mapped
//! too, from the sandbox's tree, and starts there, with the auxiliary
//! vector telling it where the program is (`AT_PHDR`, `AT_ENTRY`) and
//! where it was loaded itself (`AT_BASE`). Where everything goes, and its
//! randomisation, follows Linux ([`layout`]). An interpreter that cannot
//! be opened fails the `execve` with the error of its open (`ENOENT` when
//! missing); one that is not an x86_64 ELF file with `ELIBBAD`, as Linux.

mod elf;
pub mod layout;
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

pub use elf::{ElfImage, FileName};

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
    /// The sandbox holds as many tasks as it may (`EAGAIN`).
    TaskLimit,
    /// The program's interpreter (`PT_INTERP`) could not be opened.
    Interpreter(PathBuf, Errno),
    /// The program's interpreter is not an x86_64 ELF file (`ELIBBAD`).
    BadInterpreter(PathBuf, String),
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
            LoadError::TaskLimit => abi::errno::EAGAIN,
            LoadError::Interpreter(_, e) => *e,
            LoadError::BadInterpreter(..) => abi::errno::ELIBBAD,
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
            LoadError::TaskLimit => write!(f, "the sandbox may hold no more tasks"),
            LoadError::Interpreter(p, e) => write!(f, "its interpreter {} cannot be run: {}", p.display(), io::Error::from_raw_os_error(e.0)),
            LoadError::BadInterpreter(p, why) => write!(f, "its interpreter {} is bad: {why}", p.display()),
        }
    }
}

impl std::error::Error for LoadError {}

/// An open executable: its segments are mapped from the file itself, so
/// only its first page is read.
pub struct Executable {
    /// The path it was opened at.
    pub path: PathBuf,
    /// The sandbox's device and inode numbers of the file.
    dev_ino: (u64, u64),
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

    /// How `/proc/PID/maps` names the file.
    fn name(&self) -> FileName {
        FileName { path: self.path.to_string_lossy().into_owned(), dev: self.dev_ino.0, ino: self.dev_ino.1 }
    }
}

impl Executable {
    /// An executable from an open host file holding its contents (what
    /// the VFS gives for the file at `path`, whose sandbox device and
    /// inode numbers are `dev_ino`); reads its first page.
    pub fn new(path: PathBuf, dev_ino: (u64, u64), file: File) -> Result<Executable, Errno> {
        let io = |e: io::Error| Errno(e.raw_os_error().unwrap_or(abi::errno::EIO.0));
        let len = file.metadata().map_err(io)?.len();
        let mut head = vec![0u8; len.min(abi::PAGE_SIZE) as usize];
        file.read_exact_at(&mut head, 0).map_err(io)?;
        Ok(Executable { path, dev_ino, file, len, head })
    }
}

/// How many `#!` interpreters may follow one another (Linux's limit).
const MAX_INTERPRETERS: usize = 4;

/// What `execve` runs: the ELF program (after any `#!` lines), its
/// interpreter if it names one, and the argument vector.
pub struct Program {
    /// The ELF program.
    pub exe: Executable,
    image: ElfImage,
    interp: Option<(Executable, ElfImage)>,
    /// The arguments, rewritten by `#!` lines.
    pub argv: Vec<OsString>,
}

/// Finds the program `execve` runs for `exe` with `argv`, following `#!`
/// lines to their interpreters and an ELF program to its own (each opened
/// with `open`, which checks that it is a regular file the caller may
/// execute), and rewriting the arguments as Linux does for a script:
/// `interpreter [arg] path argv[1..]`.
pub fn open_program(exe: Executable, mut argv: Vec<OsString>, open: impl Fn(&[u8]) -> Result<Executable, Errno>) -> Result<Program, LoadError> {
    let mut exe = exe;
    for _ in 0..=MAX_INTERPRETERS {
        let Some((interp, arg)) = script::interpreter(&exe.head()[..exe.head().len().min(script::LINE_MAX)]) else {
            let image = ElfImage::parse(&exe)?;
            let interp = image.interpreter().map(|p| open_interpreter(p, &open)).transpose()?;
            return Ok(Program { exe, image, interp, argv });
        };
        let mut next = vec![OsString::from_vec(interp.clone())];
        next.extend(arg.map(OsString::from_vec));
        next.push(exe.path.clone().into_os_string());
        next.extend(argv.into_iter().skip(1));
        argv = next;
        let path = PathBuf::from(OsString::from_vec(interp.clone()));
        exe = open(&interp).map_err(|e| LoadError::Io(path, io::Error::from_raw_os_error(e.0)))?;
    }
    Err(LoadError::Memory(abi::errno::ELOOP))
}

/// The search path `execvp` uses when the environment has no `PATH`.
pub const DEFAULT_PATH: &[u8] = b"/bin:/usr/bin";

/// Finds `name` (which has no slash) as `execvp` does: in each directory
/// of the colon-separated `search` in turn (an empty one is the working
/// directory), opening each candidate with `open`. A candidate that is
/// missing, or whose path is not one, is passed over, and so is one the
/// caller may not execute, whose `EACCES` is returned if nothing else is
/// found; any other error stops the search. Returns the path found with
/// the executable.
pub fn search_path(name: &[u8], search: &[u8], open: impl Fn(&[u8]) -> Result<Executable, Errno>) -> Result<(Vec<u8>, Executable), Errno> {
    use abi::errno::{EACCES, ENAMETOOLONG, ENODEV, ENOENT, ENOTDIR, ESTALE, ETIMEDOUT};
    if name.is_empty() {
        return Err(ENOENT);
    }
    let mut denied = false;
    for dir in search.split(|&b| b == b':') {
        let mut path = dir.to_vec();
        if !path.is_empty() && !path.ends_with(b"/") {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        match open(&path) {
            Ok(exe) => return Ok((path, exe)),
            Err(EACCES) => denied = true,
            Err(ENOENT | ENOTDIR | ESTALE | ENODEV | ETIMEDOUT | ENAMETOOLONG) => {}
            Err(e) => return Err(e),
        }
    }
    Err(if denied { EACCES } else { ENOENT })
}

/// [`open_program`] for a program [`search_path`] found at `found`: one that is no
/// program the loader knows (`ENOEXEC`) is run by `/bin/sh` as a script,
/// as `execvp` does.
pub fn open_program_searched(exe: Executable, found: &[u8], argv: Vec<OsString>, open: impl Fn(&[u8]) -> Result<Executable, Errno>) -> Result<Program, LoadError> {
    let path = OsString::from_vec(found.to_vec());
    match open_program(exe, argv.clone(), &open) {
        Err(LoadError::NotExecutable(_)) => {
            let sh = open(b"/bin/sh").map_err(|e| LoadError::Io(PathBuf::from("/bin/sh"), io::Error::from_raw_os_error(e.0)))?;
            let mut sh_argv = vec![OsString::from("/bin/sh"), path];
            sh_argv.extend(argv.into_iter().skip(1));
            open_program(sh, sh_argv, open)
        }
        other => other,
    }
}

/// Opens and parses the ELF interpreter at `path`: its open's errors
/// stand, a file too short for an ELF header is `EIO`, and any other
/// fault of the file is `ELIBBAD`, as Linux has them.
fn open_interpreter(path: &[u8], open: impl Fn(&[u8]) -> Result<Executable, Errno>) -> Result<(Executable, ElfImage), LoadError> {
    let name = PathBuf::from(OsString::from_vec(path.to_vec()));
    let exe = open(path).map_err(|e| LoadError::Interpreter(name.clone(), e))?;
    if exe.len() < std::mem::size_of::<abi::elf::Ehdr>() as u64 {
        // Linux's read of the header comes short.
        return Err(LoadError::Interpreter(name, abi::errno::EIO));
    }
    match ElfImage::parse(&exe) {
        Ok(image) => Ok((exe, image)),
        Err(LoadError::NotExecutable(why)) => Err(LoadError::BadInterpreter(name, why)),
        Err(e) => Err(e),
    }
}

/// A new image ready to load: everything `execve` checks before it starts
/// replacing the old one.
pub struct Prepared {
    program: elf::Plan,
    interp: Option<elf::Plan>,
    /// Where the vDSO's mapping starts (its data pages first).
    vdso: Option<u64>,
    layout: layout::Layout,
    brk: u64,
    strings: stack::Strings,
    stack_limit: u64,
}

/// Checks that `program`, which the app asked for as `filename` (its
/// `AT_EXECFN`), can be loaded with its arguments and `envv`, and works
/// out where everything goes; changes nothing.
pub fn prepare(task: &Task, program: &Program, filename: &[u8], envv: &[OsString]) -> Result<Prepared, LoadError> {
    let stack_limit = task.tg.limits.lock().get(abi::process::rlimit::STACK).map_or(8 << 20, |l| l.cur);
    let strings = stack::Strings::new(&program.argv, envv, filename, stack_limit)?;
    let randomize = task.tg.personality.load(std::sync::atomic::Ordering::Relaxed) & abi::process::personality::ADDR_NO_RANDOMIZE == 0;
    let layout = layout::Layout::new(randomize, stack_limit);
    let image = &program.image;
    let extent = image.extent();
    let no_room = || LoadError::Memory(abi::errno::ENOMEM);
    let mut top_down = layout::TopDown::new(layout.mmap_base);
    // Where the program goes, and where its heap starts.
    let (bias, brk) = if !image.is_position_independent() {
        (0, None)
    } else if program.interp.is_some() || image.max_align() > abi::PAGE_SIZE {
        (layout.pie_bias(extent.start, image.max_align()), None)
    } else {
        let at = top_down.place(extent.end - extent.start, image.max_align()).ok_or_else(no_room)?;
        (at - extent.start, Some(crate::mm::PIE_BASE))
    };
    let plan = image.plan(&program.exe.name(), bias)?;
    top_down.avoid(extent.start.wrapping_add(bias)..plan.loaded.end);
    let interp = match &program.interp {
        Some((exe, img)) => {
            let e = img.extent();
            let at = top_down.place(e.end - e.start, img.max_align()).ok_or_else(no_room)?;
            let bias = if img.is_position_independent() { at - e.start } else { 0 };
            Some(img.plan(&exe.name(), bias)?)
        }
        None => None,
    };
    let vdso = task.kernel.vdso.as_ref().map(|v| top_down.place(v.len(), abi::PAGE_SIZE).ok_or_else(no_room)).transpose()?;
    let brk = layout.brk_start(brk.unwrap_or(plan.loaded.end));
    Ok(Prepared { program: plan, interp, vdso, layout, brk, strings, stack_limit })
}

/// Replaces the task's image with the prepared `program` (also the task's
/// new name): maps it and its interpreter, builds the initial stack, and
/// sets the registers for the first instruction (the interpreter's, when
/// there is one). `reuse`: the task's address space still holds the old
/// image, which goes first.
pub fn exec(task: &mut Task, program: &Program, prepared: Prepared, filename: &[u8], reuse: bool) -> Result<(), LoadError> {
    let Prepared { program: plan, interp, vdso, layout, brk, strings, stack_limit } = prepared;
    let stack = stack::area(layout.stack_top, stack_limit);
    task.mm.set_layout(layout.mmap_base, brk);
    let main = plan.loaded;
    plan.load(task, &program.exe, vec![stack.clone()], reuse)?;
    let mut entry = main.entry;
    let mut interp_base = None;
    if let (Some(plan), Some((exe, _))) = (interp, &program.interp) {
        entry = plan.loaded.entry;
        interp_base = Some(plan.loaded.bias);
        plan.load(task, exe, Vec::new(), false)?;
    }
    let kernel = task.kernel.clone();
    let vdso = match (vdso, &kernel.vdso) {
        (Some(at), Some(v)) => {
            let host = v.host_page(task.ctx.space().host_vdso());
            let image_len = v.len() - abi::vdso::VVAR_PAGES * abi::PAGE_SIZE;
            task.mm.map_vdso(&mut task.ctx, v.file().as_fd(), at, image_len, &host).map_err(LoadError::Memory)?;
            Some(at + abi::vdso::VVAR_PAGES * abi::PAGE_SIZE)
        }
        _ => None,
    };
    let images = stack::Images { program: main, interp_base, vdso };
    let sp = stack::build(task, &images, &strings, &stack)?;
    task.ctx.regs = abi::regs::Regs::for_exec(entry, sp, &task.ctx.regs);
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
    Executable::new(PathBuf::from(OsString::from_vec(path)), (a.dev, a.ino), file)
}

/// Resolves `path` from `start` for `execve` (following a last link
/// when `follow`) and opens it as [`executable`] does.
pub fn find_executable(ns: &MountNamespace, creds: &Credentials, root: &Location, start: &Location, path: &[u8], follow: bool) -> Result<Executable, Errno> {
    let loc = vfs::path::Resolver::new(ns, root.clone(), creds).resolve(start, path, follow)?;
    executable(creds, root, &loc)
}
