//! The sentry's hardening filter (applies to this whole test process, so
//! it lives in a test binary of its own).

#[test]
fn denied_calls_fail_with_eperm_and_others_work() {
    sentry::hardening::harden().unwrap();
    // SAFETY: plain syscalls with null or constant arguments.
    let (mount, ptrace, pid) = unsafe {
        (
            libc::syscall(libc::SYS_mount, 0, 0, 0, 0, 0),
            libc::syscall(libc::SYS_ptrace, libc::PTRACE_TRACEME, 0, 0, 0),
            libc::getpid(),
        )
    };
    assert_eq!((mount, std::io::Error::last_os_error().raw_os_error()), (-1, Some(libc::EPERM)));
    assert_eq!(ptrace, -1);
    assert!(pid > 0);
    // The platform still works under the filter: a sandboxed thread starts.
    let (_space, ctx) = interposer::AddressSpace::new().unwrap();
    drop(ctx);
}
