//! The VFS core: the file tree (mounts, dentries, inodes, path
//! resolution), open file descriptions and descriptor tables, and the
//! mechanisms every kind of file shares.
//!
//! The tree is a [`MountNamespace`] of mounts of filesystems, each a tree
//! of [`inode::Inode`]s named by [`Dentry`]s; [`path`] resolves names in
//! it (symlinks, `..`, mount crossings) and [`ops`] changes it (create,
//! link, rename, unlink, attributes) with the permission checks of
//! [`perm`]. An open file is an [`OpenFile`] whose [`FileOps`] say what
//! the file does; a regular file's data can be mapped
//! ([`inode::Inode::map`]). Shared by every kind of file: readiness for
//! `poll`, `select` and `epoll` ([`poll`], [`epoll`]), change
//! notification ([`inotify`]), advisory locks ([`lock`]), the
//! anonymous inode ([`anon`]), and the inodes of files with no name,
//! where `/proc/PID/fd/N` of a pipe leads ([`nameless`]).
//!
//! This module knows no filesystem (they live in `crate::fsimpl`) and no
//! task: a file operation reaches its caller only through [`Context`],
//! which the kernel's task implements.

pub mod anon;
pub mod context;
mod dentry;
pub mod epoll;
mod fd_table;
mod file;
mod fs_context;
pub mod inode;
mod inode_file;
pub mod inotify;
pub mod lock;
pub mod mount;
pub mod nameless;
pub mod ops;
pub mod path;
pub mod perm;
pub mod poll;

pub use context::Context;
pub use dentry::Dentry;
pub use epoll::Epoll;
pub use fd_table::FdTable;
pub use file::{AsAny, FileOps, MmapSource, OpenFile, SharedBytes};
pub use fs_context::FsContext;
pub use inode_file::InodeFile;
pub use mount::{Location, MountNamespace};
pub use poll::PollTable;
