//! The filesystems and the kinds of file above the VFS core, one file or
//! folder each: [`tmpfs`] (memory), [`host`] (a host directory passed
//! through, and host descriptors as files), [`overlay`] (tmpfs over a
//! read-only lower layer), [`proc`] (the sandbox's own `/proc`), [`dev`]
//! (the device nodes), and the anonymous files [`eventfd`], [`timerfd`]
//! and [`signalfd`].
//!
//! They implement the VFS core's traits and may use the kernel (procfs
//! shows its tasks, a signalfd reads their signals); neither the VFS core
//! nor the kernel imports them.

pub mod dev;
pub mod eventfd;
pub mod host;
pub mod overlay;
pub mod proc;
pub mod signalfd;
pub mod timerfd;
pub mod tmpfs;
