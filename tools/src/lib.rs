//! Shared pieces of the command-line tools.

pub mod forward;
pub mod logger;
