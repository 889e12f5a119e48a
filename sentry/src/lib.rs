//! The sentry: a model of a Linux kernel that serves the system calls of
//! sandboxed programs.
//!
//! Every app thread is driven by one sentry thread ([`kernel::task`]) that
//! runs it through the interposer until its next event, emulates the system
//! call against the model ([`syscalls`]), and resumes it. The model is
//! rooted at [`kernel::Kernel`], whose shape follows gVisor's kernel.
//!
//! # Modules and the dependency rule
//!
//! Dependencies run one way, from the bottom of this list up; nothing
//! lower imports anything higher:
//!
//! | layer | modules | what lives there |
//! |---|---|---|
//! | leaves | [`auth`], [`waiter`] | credentials and capabilities; waiters, wait queues and readiness events |
//! | memory | [`mm`] | a process's memory map and what backs each range |
//! | VFS core | [`vfs`] | mounts, dentries, inodes, path resolution, open files (and the inodes of those with no name), fd tables, locks, poll, epoll, inotify; it reaches its caller only through [`vfs::Context`] |
//! | kernel | [`kernel`], [`loader`] | tasks, thread groups, PIDs, signals, futexes, time and timers, the CPU clock, pipes ([`kernel::pipe`]); the ELF loader |
//! | filesystems | [`fsimpl`] | tmpfs, host, overlay, proc, dev, eventfd, timerfd, signalfd |
//! | sockets | [`socket`] | Unix domain (the sandbox's own), IP and netlink (host sockets the sentry holds) |
//! | system calls | [`syscalls`] | one file per family, one table |
//! | start | [`boot`] | builds the file tree, then the kernel over it |
//!
//! The kernel uses the VFS core (a task implements [`vfs::Context`]); the
//! filesystems use both (procfs shows tasks); the system calls use all.
//! The unit tests of the VFS core use tmpfs as their fixture.
//!
//! [`hardening`] is the sentry's own seccomp filter.

pub mod auth;
pub mod boot;
pub mod fsimpl;
pub mod hardening;
pub mod kernel;
pub mod loader;
pub mod mm;
pub mod socket;
pub mod syscalls;
pub mod vfs;
pub mod waiter;

pub use boot::{new_kernel, BootConfig};
pub use kernel::{CreateProcessArgs, ExitStatus, Kernel, KernelConfig, Limit};
