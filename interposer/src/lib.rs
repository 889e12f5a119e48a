//! The platform: runs app threads in stub processes and reports their
//! events to the sentry.
//!
//! An [`AddressSpace`] is one host process running the injected stub; a
//! [`Context`] is one app thread in it. [`Context::switch`] runs the thread
//! until its next [`Event`] (a system call, a fault, a kick, or the death of
//! the process); between events the sentry reads and writes app memory and
//! orders host operations (`mmap`, `mprotect`, ...) through the context.
//!
//! The interposer knows registers, memory and host processes, and nothing
//! of Linux semantics: what an event means is the sentry's business.
//!
//! Host processes never outlive the sentry: every stub is a child of one
//! service thread and dies with it (see `service`).

mod batch;
mod context;
mod filter;
pub mod patch;
mod placement;
mod region;
mod service;
mod space;
mod stub_image;
mod sys;

pub use batch::Batch;
pub use context::{Context, Event, Gone, Kicker};
pub use filter::STUB_ALLOWED;
pub use service::prestart;
pub use space::{AddressSpace, Fault};

/// The host signal that interrupts a thread running app code.
pub const KICK_SIGNAL: i32 = 63;
