//! The sentry's own seccomp filter (built with libseccomp): system calls
//! the sentry never needs, and that would widen the damage a compromised
//! sentry could do to the host, fail with `EPERM`.
//!
//! Stub processes inherit this filter under their own; since a trap takes
//! precedence over an errno, every app system call still reaches the
//! sentry.

use libseccomp::{ScmpAction, ScmpFilterContext, ScmpSyscall};

/// Host system calls the sentry refuses itself.
pub const DENIED: &[&str] = &[
    "ptrace",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "mount",
    "umount2",
    "pivot_root",
    "swapon",
    "swapoff",
    "reboot",
    "bpf",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "acct",
    "quotactl",
    "iopl",
    "ioperm",
    "open_by_handle_at",
    "name_to_handle_at",
    "syslog",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "setns",
    "unshare",
    "vhangup",
    "uselib",
];

/// Installs the filter on every thread of the sentry.
pub fn harden() -> Result<(), libseccomp::error::SeccompError> {
    let mut f = ScmpFilterContext::new_filter(ScmpAction::Allow)?;
    f.set_ctl_tsync(true)?;
    for name in DENIED {
        f.add_rule(ScmpAction::Errno(libc::EPERM), ScmpSyscall::from_name(name)?)?;
    }
    f.load()
}
