//! Sandboxed programs leave no host process behind: one killed by SIGSEGV,
//! one that forks 200 children, and one whose processes share memory
//! (`CLONE_VM`), whose host process must die with the last of them while
//! the sandbox goes on.
//!
//! This file is its own test process because it makes itself a child
//! subreaper: any stub process orphaned by `sandbox-exec` is reparented to
//! it and shows up as its child. Its tests take turns (each holds a lock
//! throughout), so that no other test's `gcc` or `sandbox-exec` runs while
//! one counts children.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sandbox_tests::host::{assert_detector_works, assert_no_children_left, become_subreaper, children_of, live_children};
use sandbox_tests::{compile, run_sandboxed, sandbox_exec, target_bind, Libc, Status};

/// Serialises the tests of this file (see the module comment).
static TURN: Mutex<()> = Mutex::new(());

/// Waits for this test's turn; hold the guard for the whole test.
fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}





#[test]
fn null_deref_leaves_no_process() {
    let _turn = turn();
    // Build and compile first: cargo and gcc are children too.
    sandbox_exec();
    let bin = compile("null_deref", Libc::Glibc);
    assert!(
        live_children().is_empty(),
        "children before the test: {:?}",
        live_children()
    );

    // The detector works (see sandbox_tests::host).
    assert_detector_works();

    become_subreaper();

    let out = run_sandboxed(&bin, &[], b"", &[]);
    assert_eq!(
        out.status,
        Status::Signaled(11),
        "sandboxed null_deref: {out}"
    );
    assert_eq!(out.stdout, b"before\n", "sandboxed null_deref: {out}");

    assert_no_children_left("null_deref");
}

/// `tests/c/fork_wait.c` forks 200 children at once (some crash), reaps
/// them, and leaves an orphan for itself to reap: afterwards no stub of any
/// of them may be left.
#[test]
fn fork_wait_leaves_no_process() {
    let _turn = turn();
    sandbox_exec();
    let bin = compile("fork_wait", Libc::Glibc);
    live_children();
    become_subreaper();
    assert_no_children_left("before fork_wait");

    let out = run_sandboxed(&bin, &[], b"", &[]);
    let text = out.stdout_text();
    assert!(
        text.contains("ok forked 200 children") && text.contains("ok done"),
        "sandboxed fork_wait did not run to the end: {out}"
    );
    assert_eq!(out.status, Status::Exited(0), "sandboxed fork_wait: {out}");
    assert_no_children_left("fork_wait");
}

/// A sentry killed outright (as by `kill -9`, or by its own abort on a
/// panic) takes every stub with it, even mid-way through a busy process
/// tree: each stub dies with the sentry's spawner thread (PDEATHSIG).
#[test]
fn killed_sentry_leaves_no_process() {
    let _turn = turn();
    let exe = sandbox_exec();
    live_children();
    become_subreaper();
    // A shell that keeps forking and exec'ing, with a pipeline running.
    let script = "while :; do /bin/busybox true; /bin/busybox seq 1 100 | /bin/busybox wc -l; done";
    let mut sandbox = std::process::Command::new(&exe)
        .args(["/bin/busybox", "sh", "-c", script])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cannot start sandbox-exec");
    // Wait until the sandbox has several stub processes alive (they are
    // its children until it dies).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut busy = false;
    while !busy && Instant::now() < deadline {
        busy = children_of(sandbox.id() as i32).len() >= 3;
        std::thread::sleep(Duration::from_millis(2));
    }
    sandbox.kill().expect("kill sandbox-exec");
    sandbox.wait().expect("wait sandbox-exec");
    assert!(busy, "the sandbox never had several processes at once");
    assert_no_children_left("killed sentry");
}

/// `tests/c/clone_vm.c hold` runs vfork children (that exit, exec, or are
/// killed), posix_spawn, CLONE_VM children, and one that outlives its
/// parent, then waits: by then every host process but the sandbox's own
/// (and the spare stub started ahead of the next exec) must be gone, while
/// the sandbox still runs.
#[test]
fn shared_memory_processes_leave_no_process() {
    use std::io::{BufRead, BufReader, Write};
    let _turn = turn();
    let exe = sandbox_exec();
    let bin = compile("clone_vm", Libc::Glibc);
    live_children();
    become_subreaper();
    assert_no_children_left("before clone_vm");
    let mut sandbox = std::process::Command::new(&exe)
        .args(target_bind())
        .arg(&bin)
        .arg("hold")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cannot start sandbox-exec");
    let mut stderr = BufReader::new(sandbox.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("read the program's stderr");
    assert_eq!(line, "holding\n", "clone_vm hold did not get to its wait");
    // The program's own stub process, and at most one spare.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut stubs = children_of(sandbox.id() as i32);
    while stubs.len() > 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        stubs = children_of(sandbox.id() as i32);
    }
    sandbox.stdin.take().expect("stdin").write_all(b"").expect("stdin");
    let status = sandbox.wait().expect("wait sandbox-exec");
    assert!(stubs.len() <= 2, "host processes left while the sandbox runs: {stubs:?}");
    assert!(status.success(), "sandboxed clone_vm hold: {status}");
    assert_no_children_left("clone_vm");
}
