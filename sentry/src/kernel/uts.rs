//! The UTS namespace: the names `uname` reports.

use abi::process::Utsname;
use parking_lot::Mutex;

/// The kernel release the sandbox reports.
pub const RELEASE: &str = "6.1.0";
/// The kernel version string the sandbox reports.
pub const VERSION: &str = "#1 SMP PREEMPT_DYNAMIC sandbox";
/// The longest host or domain name, NUL excluded (`__NEW_UTS_LEN`).
pub const NAME_MAX: usize = 64;

/// The settable names.
struct Names {
    hostname: Vec<u8>,
    domainname: Vec<u8>,
}

/// Host and domain names.
pub struct UtsNamespace {
    inner: Mutex<Names>,
}

/// A `utsname` field: at most [`NAME_MAX`] bytes, NUL-padded to 65.
fn field(s: &[u8]) -> [u8; NAME_MAX + 1] {
    let mut f = [0u8; NAME_MAX + 1];
    let n = s.len().min(NAME_MAX);
    f[..n].copy_from_slice(&s[..n]);
    f
}

impl UtsNamespace {
    /// A namespace with the given host name (truncated to [`NAME_MAX`]
    /// bytes) and the domain name `(none)`, as Linux boots with.
    pub fn new(hostname: &str) -> UtsNamespace {
        let mut hostname = hostname.as_bytes().to_vec();
        hostname.truncate(NAME_MAX);
        UtsNamespace { inner: Mutex::new(Names { hostname, domainname: b"(none)".to_vec() }) }
    }

    /// The `uname` answer.
    pub fn utsname(&self) -> Utsname {
        let g = self.inner.lock();
        Utsname {
            sysname: field(b"Linux"),
            nodename: field(&g.hostname),
            release: field(RELEASE.as_bytes()),
            version: field(VERSION.as_bytes()),
            machine: field(b"x86_64"),
            domainname: field(&g.domainname),
        }
    }

    /// Sets the host name to `name` exactly as `sethostname` does: the
    /// bytes are kept as given (a NUL among them ends the name as `uname`
    /// shows it). The caller has checked the length against [`NAME_MAX`];
    /// longer names are truncated.
    pub fn set_hostname(&self, name: &[u8]) {
        self.inner.lock().hostname = name[..name.len().min(NAME_MAX)].to_vec();
    }

    /// Sets the domain name, as [`UtsNamespace::set_hostname`] does the
    /// host name.
    pub fn set_domainname(&self, name: &[u8]) {
        self.inner.lock().domainname = name[..name.len().min(NAME_MAX)].to_vec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: &[u8]) -> &[u8] {
        &f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())]
    }

    #[test]
    fn names_are_set_and_padded() {
        let uts = UtsNamespace::new("sandbox");
        assert_eq!(text(&uts.utsname().nodename), b"sandbox");
        assert_eq!(text(&uts.utsname().domainname), b"(none)");
        uts.set_hostname(b"abc");
        uts.set_domainname(b"");
        let u = uts.utsname();
        assert_eq!(text(&u.nodename), b"abc");
        assert!(u.nodename[3..].iter().all(|&b| b == 0));
        assert_eq!(text(&u.domainname), b"");
        uts.set_hostname(&[b'x'; 64]);
        let u = uts.utsname();
        assert_eq!(text(&u.nodename).len(), 64);
        assert_eq!(u.nodename[64], 0);
        uts.set_hostname(b"a\0b");
        assert_eq!(text(&uts.utsname().nodename), b"a");
    }
}
