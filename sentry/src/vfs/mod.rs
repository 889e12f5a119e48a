//! Files: open file descriptions, descriptor tables, and the file kinds the
//! sandbox has so far.
//!
//! Host-backed files (the sandbox's stdin, stdout and stderr) and pipes
//! exist so far; mounts, path resolution and filesystems come with the VFS.

mod fd_table;
mod file;
mod host;
pub mod pipe;

pub use fd_table::FdTable;
pub use file::{AsAny, FileOps, OpenFile};
pub use host::HostFile;
pub use pipe::{Pipe, PipeEnd};
