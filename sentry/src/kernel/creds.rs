//! Credentials: who a task acts as.

/// A task's user and group ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Real user id.
    pub uid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Real group id.
    pub gid: u32,
    /// Effective group id.
    pub egid: u32,
}

impl Credentials {
    /// The credentials the sandbox's first process gets: those of the
    /// user who started the sandbox.
    pub fn of_host_user() -> Credentials {
        // SAFETY: these calls cannot fail and touch no memory.
        let (uid, euid, gid, egid) = unsafe { (libc::getuid(), libc::geteuid(), libc::getgid(), libc::getegid()) };
        Credentials { uid, euid, gid, egid }
    }

    /// Whether the task has all capabilities (effective root).
    pub fn is_root(&self) -> bool {
        self.euid == 0
    }
}
