//! The UTS namespace: the names `uname` reports.

use abi::process::Utsname;
use parking_lot::Mutex;

/// The kernel release the sandbox reports.
pub const RELEASE: &str = "6.1.0";
/// The kernel version string the sandbox reports.
pub const VERSION: &str = "#1 SMP PREEMPT_DYNAMIC sandbox";

/// Host and domain names.
pub struct UtsNamespace {
    inner: Mutex<(String, String)>,
}

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    let n = s.len().min(64);
    f[..n].copy_from_slice(&s.as_bytes()[..n]);
    f
}

impl UtsNamespace {
    /// A namespace with the given host name and no domain name.
    pub fn new(hostname: &str) -> UtsNamespace {
        UtsNamespace { inner: Mutex::new((hostname.into(), "(none)".into())) }
    }

    /// The `uname` answer.
    pub fn utsname(&self) -> Utsname {
        let g = self.inner.lock();
        Utsname {
            sysname: field("Linux"),
            nodename: field(&g.0),
            release: field(RELEASE),
            version: field(VERSION),
            machine: field("x86_64"),
            domainname: field(&g.1),
        }
    }
}
