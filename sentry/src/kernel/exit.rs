//! How a process ended.

use abi::process::{wait_status_exited, wait_status_signaled};
use abi::signal::{code, sig};

/// The end of a task or process, as `wait` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit(code)`.
    Exited(i32),
    /// Killed by a signal.
    Signaled {
        /// The signal.
        signo: i32,
        /// Whether its default action dumps core (no core file is written).
        core: bool,
    },
}

impl ExitStatus {
    /// Killed by `signo`, with the core flag its default action implies.
    pub fn killed_by(signo: i32) -> ExitStatus {
        let core = matches!(
            signo,
            sig::SIGQUIT | sig::SIGILL | sig::SIGTRAP | sig::SIGABRT | sig::SIGBUS | sig::SIGFPE | sig::SIGSEGV | sig::SIGXCPU | sig::SIGXFSZ | sig::SIGSYS
        );
        ExitStatus::Signaled { signo, core }
    }

    /// The same status with no core dumped: Linux sets the core-dump bit
    /// only when a core was written, never under `RLIMIT_CORE` 0.
    pub fn without_core(self) -> ExitStatus {
        match self {
            ExitStatus::Signaled { signo, .. } => ExitStatus::Signaled { signo, core: false },
            s => s,
        }
    }

    /// The `wait` status word.
    pub fn wait_status(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => wait_status_exited(code),
            ExitStatus::Signaled { signo, core } => wait_status_signaled(signo, core),
        }
    }

    /// The `si_code` of the `SIGCHLD` (and `waitid` answer) for this end:
    /// `CLD_EXITED`, `CLD_KILLED` or `CLD_DUMPED`.
    pub fn child_code(self) -> i32 {
        match self {
            ExitStatus::Exited(_) => code::CLD_EXITED,
            ExitStatus::Signaled { core: false, .. } => code::CLD_KILLED,
            ExitStatus::Signaled { core: true, .. } => code::CLD_DUMPED,
        }
    }

    /// The `si_status` for this end: the exit code or the signal.
    pub fn child_status(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c & 0xff,
            ExitStatus::Signaled { signo, .. } => signo,
        }
    }

    /// The status a shell reports: the exit code, or 128 + the signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => code & 0xff,
            ExitStatus::Signaled { signo, .. } => 128 + signo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_linux() {
        assert_eq!(ExitStatus::Exited(3).wait_status(), 0x300);
        assert_eq!(ExitStatus::Exited(256 + 3).shell_code(), 3);
        assert_eq!(ExitStatus::killed_by(sig::SIGSEGV).wait_status(), 0x8b);
        assert_eq!(ExitStatus::killed_by(sig::SIGKILL).wait_status(), 9);
        assert_eq!(ExitStatus::killed_by(sig::SIGSEGV).shell_code(), 139);
    }
}
