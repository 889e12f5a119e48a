//! Error numbers as Linux returns them.

use core::fmt;

pub use crate::generated::errno::*;

/// Restart the interrupted system call, unless a handler without
/// `SA_RESTART` runs (Linux's internal `ERESTARTSYS`; never seen by apps).
pub const ERESTARTSYS: Errno = Errno(512);
/// Restart the system call whatever happens (`ERESTARTNOINTR`).
pub const ERESTARTNOINTR: Errno = Errno(513);
/// Restart the system call unless a handler runs (`ERESTARTNOHAND`).
pub const ERESTARTNOHAND: Errno = Errno(514);
/// Restart through `restart_syscall` unless a handler runs
/// (`ERESTART_RESTARTBLOCK`).
pub const ERESTART_RESTARTBLOCK: Errno = Errno(516);

/// A Linux error number (positive, as in `errno`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// The value a system call returns for this error: `-errno`.
    pub const fn to_ret(self) -> i64 {
        -(self.0 as i64)
    }

    /// Decodes a raw system call return value: `Err` for `-4095..=-1`.
    pub const fn from_ret(ret: i64) -> Result<u64, Errno> {
        if ret < 0 && ret >= -4095 {
            Err(Errno(-ret as i32))
        } else {
            Ok(ret as u64)
        }
    }

    /// The symbolic name, such as `"ENOENT"`.
    pub const fn name(self) -> &'static str {
        match self {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            ESRCH => "ESRCH",
            EINTR => "EINTR",
            EIO => "EIO",
            ENXIO => "ENXIO",
            E2BIG => "E2BIG",
            ENOEXEC => "ENOEXEC",
            EBADF => "EBADF",
            ECHILD => "ECHILD",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EFAULT => "EFAULT",
            EBUSY => "EBUSY",
            EEXIST => "EEXIST",
            ENOTDIR => "ENOTDIR",
            EISDIR => "EISDIR",
            EINVAL => "EINVAL",
            ENFILE => "ENFILE",
            EMFILE => "EMFILE",
            ENOTTY => "ENOTTY",
            EFBIG => "EFBIG",
            ENOSPC => "ENOSPC",
            ESPIPE => "ESPIPE",
            EROFS => "EROFS",
            EPIPE => "EPIPE",
            ERANGE => "ERANGE",
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOSYS => "ENOSYS",
            ELOOP => "ELOOP",
            ENOTSUP => "EOPNOTSUPP",
            ETIMEDOUT => "ETIMEDOUT",
            _ => "E?",
        }
    }
}

/// `ENOTSUP` and `EOPNOTSUPP` are the same number on Linux.
pub const ENOTSUP: Errno = EOPNOTSUPP;

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ret_round_trip() {
        assert_eq!(Errno::from_ret(ENOENT.to_ret()), Err(ENOENT));
        assert_eq!(Errno::from_ret(5), Ok(5));
        assert_eq!(Errno::from_ret(-4096), Ok((-4096i64) as u64));
        assert_eq!(EWOULDBLOCK, EAGAIN);
    }
}
