//! The UTS namespace is the sandbox's own: `sethostname` inside it changes
//! what `uname` says there, and never the host's name.
//!
//! `tests/c/sethostname.c` is never run natively (it would rename the
//! machine); it also refuses to act outside the sandbox.

use sandbox_tests::{compile, run_sandboxed, Libc, Status};

/// The host's name, as the host's `uname` reports it.
fn host_nodename() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").expect("reading the host name").trim_end().to_owned()
}

#[test]
fn sethostname_changes_only_the_sandbox() {
    for libc in Libc::ALL {
        let bin = compile("sethostname", libc);
        let host_before = host_nodename();
        let out = run_sandboxed(&bin, &["sbx-renamed", "sbx.example"], b"", &[]);
        assert_eq!(out.status, Status::Exited(0), "{libc}: {out}");
        let expected = "\
before: nodename=[sandbox] domainname=[(none)]
ok sethostname len 65: EINVAL
ok sethostname len -1: EINVAL
ok sethostname bad pointer: EFAULT
ok setdomainname len 65: EINVAL
ok setdomainname bad pointer: EFAULT
unchanged by failures: nodename=[sandbox] domainname=[(none)]
ok a 64-byte host name
NUL inside: nodename=[abc] domainname=[(none)]
empty: nodename=[] domainname=[(none)]
after: nodename=[sbx-renamed] domainname=[sbx.example]
ok sethostname without CAP_SYS_ADMIN: EPERM
ok sethostname len 65 without CAP_SYS_ADMIN: EPERM
ok setdomainname without CAP_SYS_ADMIN: EPERM
final: nodename=[sbx-renamed] domainname=[sbx.example]
";
        assert_eq!(out.stdout_text(), expected, "{libc}: {out}");
        assert_eq!(host_nodename(), host_before, "{libc}: the host's name changed");
        assert_ne!(host_before, "sbx-renamed");
    }
}

/// A second sandbox starts with the configured name again: names live in
/// the sandbox, not in some shared state.
#[test]
fn each_sandbox_starts_with_its_own_name() {
    let bin = compile("uname_n", Libc::Musl);
    let out = run_sandboxed(&bin, &[], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "sandbox\n", "{out}");
}
