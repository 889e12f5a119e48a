//! Files: open file descriptions, descriptor tables, and the file kinds the
//! sandbox has so far.
//!
//! Only host-backed files exist yet (the sandbox's stdin, stdout and
//! stderr); mounts, path resolution and filesystems come with the VFS.

mod fd_table;
mod file;
mod host;

pub use fd_table::FdTable;
pub use file::{FileOps, OpenFile};
pub use host::HostFile;
