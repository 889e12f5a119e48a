//! The sandbox's own limits, set on `sandbox-exec`'s command line:
//! `--pids` (fork and clone fail with EAGAIN past it), `--memory`
//! (allocations and fork fail with ENOMEM past it), `--wall-time` and
//! `--cpu-time` (the whole sandbox ends, with an exit status that says
//! which). Each run is bounded by the harness's timeout.

use std::path::Path;

use sandbox_tests::{compile, run_sandboxed_with, Libc, Status};

const BUSYBOX: &str = "/bin/busybox";

#[test]
fn pids_caps_processes_and_threads_together() {
    let bin = compile("task_limit", Libc::Glibc);
    let out = run_sandboxed_with(&["--pids", "10"], &bin, &[], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    // init is one of the ten tasks.
    assert_eq!(
        out.stdout_text(),
        "forked 9 children, then EAGAIN\n\
         after reaping them: forked 9 children again\n\
         started 9 threads, then EAGAIN\n\
         ok every child reaped and every thread joined\n",
        "{out}"
    );
}

#[test]
fn pids_must_be_at_least_one() {
    let out = run_sandboxed_with(&["--pids", "0"], Path::new(BUSYBOX), &["true"], b"", &[]);
    assert_eq!(out.status, Status::Exited(2), "{out}");
    assert!(out.stderr_text().contains("--pids"), "{out}");
}

#[test]
fn wall_time_ends_the_sandbox_with_status_124() {
    let out = run_sandboxed_with(&["--wall-time", "500ms"], Path::new(BUSYBOX), &["sh", "-c", "sleep 60 & sleep 60"], b"", &[]);
    assert_eq!(out.status, Status::Exited(124), "{out}");
    assert!(out.stderr_text().contains("ran out of wall time (--wall-time 500ms)"), "{out}");
}

#[test]
fn cpu_time_counts_every_process_and_ends_the_sandbox_with_status_152() {
    // Two busy processes spend the half second together.
    let out = run_sandboxed_with(&["--cpu-time", "0.5"], Path::new(BUSYBOX), &["sh", "-c", "while :; do :; done & while :; do :; done"], b"", &[]);
    // 152 = 128 + SIGXCPU, which the harness reads as that signal.
    assert_eq!(out.status, Status::Signaled(libc::SIGXCPU), "{out}");
    assert!(out.stderr_text().contains("used up its CPU time (--cpu-time 500ms)"), "{out}");
}

#[test]
fn cpu_time_is_not_wall_time() {
    // Asleep for longer than the budget, using almost none of it.
    let out = run_sandboxed_with(&["--cpu-time", "0.2"], Path::new(BUSYBOX), &["sh", "-c", "sleep 1; echo awake"], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "awake\n", "{out}");
}

#[test]
fn memory_caps_committed_memory_and_gives_it_back() {
    let bin = compile("memory_limit", Libc::Glibc);
    let out = run_sandboxed_with(&["--memory", "256m"], &bin, &[], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(
        out.stdout_text(),
        "another 150 MiB: ENOMEM\n\
         512 MiB read-only: mapped\n\
         512 MiB shared: mapped\n\
         ok mprotect of the read-only 512 MiB to writable: ENOMEM\n\
         malloc of 300 MiB: NULL\n\
         fork with 166 MiB committed: ENOMEM\n\
         ok after munmap, fork fits again\n\
         ok freed memory is given back\n",
        "{out}"
    );
}

#[test]
fn memory_bomb_gets_memory_error() {
    let python = Path::new("/usr/bin/python3");
    assert!(python.is_file(), "/usr/bin/python3 is missing: install the Debian package `python3` (scripts/install-deps.sh)");
    let script = "l = []\ntry:\n    while True:\n        l.append(bytearray(1 << 20))\nexcept MemoryError:\n    print('MemoryError after', len(l) // 64 * 64, 'MiB or more')\n";
    let out = run_sandboxed_with(&["--memory", "128m"], python, &["-c", script], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert!(out.stdout_text().starts_with("MemoryError after "), "{out}");
}
