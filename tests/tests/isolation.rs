//! Sandbox-only properties: things the sandbox must do *differently* from
//! the host. Each test first proves the point natively.

use sandbox_tests::{compile, run_native, run_sandboxed, Libc, Status};

/// An unimplemented syscall (socket, for now) answers ENOSYS instead of
/// reaching the host.
#[test]
fn unimplemented_syscall_is_enosys() {
    for libc in Libc::ALL {
        let bin = compile("enosys", libc);
        let native = run_native(&bin, &[], b"", &[]);
        assert_eq!(native.status, Status::Exited(0), "{libc} native: {native}");
        assert_eq!(
            native.stdout_text(),
            "socket: ok\n",
            "{libc} native: {native}"
        );
        let sandboxed = run_sandboxed(&bin, &[], b"", &[]);
        assert_eq!(
            sandboxed.status,
            Status::Exited(0),
            "{libc} sandboxed: {sandboxed}"
        );
        assert_eq!(
            sandboxed.stdout_text(),
            "socket: ENOSYS\n",
            "{libc} sandboxed: {sandboxed}"
        );
    }
}

/// A host file that exists is not visible inside the sandbox.
#[test]
fn host_path_is_invisible() {
    for libc in Libc::ALL {
        let bin = compile("host_path", libc);
        let native = run_native(&bin, &[], b"", &[]);
        assert_eq!(native.status, Status::Exited(0), "{libc} native: {native}");
        assert!(
            native.stdout_text().starts_with("open /etc/passwd: ok"),
            "{libc} native: {native}"
        );
        let sandboxed = run_sandboxed(&bin, &[], b"", &[]);
        assert_eq!(
            sandboxed.status,
            Status::Exited(0),
            "{libc} sandboxed: {sandboxed}"
        );
        let text = sandboxed.stdout_text();
        assert!(
            text.starts_with("open /etc/passwd: E") && !text.contains(": ok"),
            "{libc}: /etc/passwd is visible in the sandbox: {sandboxed}"
        );
    }
}
