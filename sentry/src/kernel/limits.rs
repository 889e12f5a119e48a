//! Resource limits.

use abi::process::{rlimit, Rlimit, RLIM_INFINITY};
use abi::Errno;

/// The ceiling of `RLIMIT_NOFILE` (Linux's `fs.nr_open` default).
pub const NR_OPEN: u64 = 1 << 20;

/// One process's resource limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    limits: [Rlimit; rlimit::NLIMITS as usize],
}

impl Limits {
    /// The limits of the user who started the sandbox, as inherited.
    pub fn of_host() -> Limits {
        use nix::sys::resource::{getrlimit, Resource::*};
        // In the order of Linux's resource numbers.
        let host = [
            RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS, RLIMIT_NPROC, RLIMIT_NOFILE,
            RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
        ];
        let limits = host.map(|r| getrlimit(r).map_or(Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY }, |(cur, max)| Rlimit { cur, max }));
        Limits { limits }
    }

    /// The limit of `resource`, or EINVAL for an unknown resource.
    pub fn get(&self, resource: u32) -> Result<Rlimit, Errno> {
        self.limits.get(resource as usize).copied().ok_or(abi::errno::EINVAL)
    }

    /// Sets the limit of `resource` as `setrlimit` does: the soft limit may
    /// not exceed the hard one, and only a privileged caller may raise the
    /// hard limit.
    pub fn set(&mut self, resource: u32, new: Rlimit, privileged: bool) -> Result<(), Errno> {
        let cur = self.get(resource)?;
        if new.cur > new.max {
            return Err(abi::errno::EINVAL);
        }
        if resource == rlimit::NOFILE && new.max > NR_OPEN {
            return Err(abi::errno::EPERM);
        }
        if new.max > cur.max && !privileged {
            return Err(abi::errno::EPERM);
        }
        self.limits[resource as usize] = new;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setrlimit_rules() {
        let mut l = Limits::of_host();
        let nofile = l.get(rlimit::NOFILE).unwrap();
        assert_eq!(l.set(rlimit::NOFILE, Rlimit { cur: nofile.max + 1, max: nofile.max }, false), Err(abi::errno::EINVAL));
        assert_eq!(l.set(rlimit::NOFILE, Rlimit { cur: 10, max: 20 }, false), Ok(()));
        assert_eq!(l.get(rlimit::NOFILE).unwrap(), Rlimit { cur: 10, max: 20 });
        assert_eq!(l.set(rlimit::NOFILE, Rlimit { cur: 10, max: 30 }, false), Err(abi::errno::EPERM));
        assert_eq!(l.set(rlimit::NOFILE, Rlimit { cur: 10, max: 30 }, true), Ok(()));
        assert_eq!(l.set(rlimit::NOFILE, Rlimit { cur: 10, max: NR_OPEN + 1 }, true), Err(abi::errno::EPERM));
        assert_eq!(l.get(99), Err(abi::errno::EINVAL));
    }
}
