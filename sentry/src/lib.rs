//! The sentry: a model of a Linux kernel that serves the system calls of
//! sandboxed programs.
//!
//! Every app thread is driven by one sentry thread ([`kernel::task`]) that
//! runs it through the interposer until its next event, emulates the system
//! call against the model ([`syscalls`]), and resumes it. The model is
//! rooted at [`kernel::Kernel`], whose shape follows gVisor's kernel:
//! tasks and thread groups with the sandbox's own PIDs, per-process memory
//! maps ([`mm`]) that order the stub to map and unmap, the ELF loader
//! ([`loader`]), and open files ([`vfs`]).

pub mod auth;
pub mod hardening;
pub mod kernel;
pub mod loader;
pub mod mm;
pub mod syscalls;
pub mod vfs;
pub mod waiter;

pub use kernel::{CreateProcessArgs, ExitStatus, Kernel, KernelConfig};
