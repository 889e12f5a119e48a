//! Conformance: each C program in `tests/c` must behave identically (stdout
//! and exit status) natively and under `sandbox-exec`, with glibc and musl.
//!
//! Every entry below becomes two tests, `NAME::glibc` and `NAME::musl`.

use sandbox_tests::{conformance, Case, Status};

conformance! {
    hello => Case::new()
        .args(["a", "b c", ""])
        .env("SBX_TEST_A", "value a")
        .env("SBX_TEST_B", ""),
    exit_code_0 = exit_code => Case::new().args(["0"]),
    exit_code_3 = exit_code => Case::new().args(["3"]).expect(Status::Exited(3)),
    exit_code_255 = exit_code => Case::new().args(["255"]).expect(Status::Exited(255)),
    auxv,
    null_deref => Case::new().expect(Status::Signaled(11)),
    identity,
    uname,
    time,
    random,
    memory,
    prctl,
    proc_self_exe,
    getcwd,
    stdio_stat => Case::new().stdin("input line\n"),
    signals_model,
    rlimit,
    fast_path,
    fast_path_unpatched = fast_path => Case::new().sandbox_flag("--no-patch"),
    creds,
    creds_caps = creds => Case::new().args(["caps"]),
    sched,
    priority,
    prctl2,
    rusage,
    proc_creds,
    pipe,
    fd,
    fork_wait,
    clone_vm,
    pipe_xfer,
    exec,
    exec_interp,
    personality,
    pgrp,
    eventfd,
    poll,
    epoll,
    threads,
    thread_exit_group => Case::new().expect(Status::Exited(3)),
    thread_exit_group_leader = thread_exit_group => Case::new()
        .args(["leader"])
        .expect(Status::Exited(3)),
    thread_exit_group_all = thread_exit_group => Case::new().args(["all"]),
    futex,
    futex_shared,
    futex_requeue_pi,
    mutex_kinds,
    thread_exec,
    thread_leader_exit => Case::new().expect(Status::Exited(5)),
    thread_affinity,
    sig_handler,
    sig_ucontext,
    sig_altstack,
    sig_mask,
    sig_wait,
    sig_restart,
    sig_default,
    sig_stop,
    sig_chld,
    sig_fault,
    sig_pipe,
    sig_kill,
    sig_threads,
    sig_fd,
    sig_orphan,
    sig_forged,
    sig_spin,
    time_clocks,
    time_cputime,
    time_itimer,
    time_posix_timer,
    time_rlimit_cpu,
    time_sleep,
    time_cpu_sleep,
    time_timerfd,
    vfs_paths,
    vfs_tmpfs,
    vfs_rename,
    vfs_perm,
    vfs_proc,
    proc_pid,
    vfs_xattr,
    vfs_lock,
    vfs_inotify,
    vfs_mmap,
    vfs_memfd,
    vfs_splice,
    vfs_tmpfile,
    vfs_devfd => Case::new().stdin("input line\n"),
    proc_auxv,
    sock_notsock,
    unix_stream,
    unix_dgram,
    unix_seqpacket,
    unix_rights,
    unix_creds,
    unix_errors,
    unix_poll,
    inet_tcp,
    inet_udp,
    netlink_route,
}

/// The harness itself, natively: a program killed by SIGSEGV is reported as
/// `Signaled(11)`, and a program's own exit codes come through unchanged.
mod statuses {
    use sandbox_tests::{compile, run_native, Libc, Status};

    #[test]
    fn native_statuses() {
        for libc in Libc::ALL {
            let bin = compile("null_deref", libc);
            let out = run_native(&bin, &[], b"", &[]);
            assert_eq!(out.status, Status::Signaled(11), "{libc}: {out}");
            assert_eq!(out.stdout, b"before\n", "{libc}: {out}");
            let bin = compile("exit_code", libc);
            for code in [0, 3, 255] {
                let out = run_native(&bin, &[&code.to_string()], b"", &[]);
                assert_eq!(out.status, Status::Exited(code), "{libc}: {out}");
            }
        }
    }
}
