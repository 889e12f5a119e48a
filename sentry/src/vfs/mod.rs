//! Files: open file descriptions, descriptor tables, and the file kinds the
//! sandbox has so far.
//!
//! Host-backed files (the sandbox's stdin, stdout and stderr), pipes,
//! eventfds, timerfds and epoll instances exist so far; mounts, path resolution and
//! filesystems come with the VFS. Every file kind reports its readiness
//! for `poll`, `select` and `epoll` through [`FileOps`]; see [`poll`].

mod anon;
pub mod epoll;
pub mod eventfd;
mod fd_table;
mod file;
mod host;
pub mod pipe;
pub mod poll;
pub mod signalfd;
pub mod timerfd;

pub use epoll::Epoll;
pub use eventfd::EventFd;
pub use fd_table::FdTable;
pub use file::{AsAny, FileOps, OpenFile};
pub use host::HostFile;
pub use pipe::{Pipe, PipeEnd};
pub use poll::PollTable;
pub use signalfd::SignalFd;
pub use timerfd::TimerFd;
