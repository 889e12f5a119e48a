//! `sandbox-exec` forwards the signals it receives into the sandbox: to
//! init, or with `--signal-group` to init's process group; a second SIGINT
//! within a second kills the sandbox.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sandbox_tests::sandbox_exec;

/// Starts `busybox sh -c script` in the sandbox and waits for its first
/// line of output, which must be `ready`.
fn start(flags: &[&str], script: &str) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(sandbox_exec())
        .args(flags)
        .args(["/bin/busybox", "sh", "-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run sandbox-exec");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("read");
    assert_eq!(line, "ready\n");
    (child, out)
}

fn signal(child: &Child, signo: i32) {
    // SAFETY: kill reads no memory; the child is ours and not yet reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signo) }, 0);
}

/// The child's exit status and the rest of its output, within 20 s.
fn finish(mut child: Child, mut out: BufReader<std::process::ChildStdout>) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sandbox-exec did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("read");
    (status, rest)
}

#[test]
fn a_term_reaches_init_s_trap() {
    let (child, out) = start(&[], "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
    signal(&child, libc::SIGTERM);
    let (status, rest) = finish(child, out);
    assert_eq!(rest, "got TERM\n");
    assert_eq!(status.code(), Some(7));
}

#[test]
fn an_unhandled_term_ends_the_sandbox_as_it_would_end_init() {
    let (child, out) = start(&[], "echo ready; exec /bin/busybox sleep 30");
    signal(&child, libc::SIGTERM);
    let (status, _) = finish(child, out);
    assert_eq!(status.code(), Some(128 + libc::SIGTERM));
}

#[test]
fn a_second_interrupt_within_a_second_kills_the_sandbox() {
    let (child, out) = start(&[], "trap 'echo interrupted' INT; echo ready; while :; do sleep 0.05; done");
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, libc::SIGINT);
    let (status, rest) = finish(child, out);
    assert!(rest.starts_with("interrupted\n"), "the first SIGINT was not forwarded: {rest:?}");
    assert_eq!(status.code(), Some(128 + libc::SIGKILL));
    assert_eq!(status.signal(), None);
}

#[test]
fn signal_group_reaches_every_process_of_init_s_group() {
    let script = "trap 'echo init got USR1' USR1; \
                  (trap 'echo child got USR1; exit 0' USR1; while :; do sleep 0.05; done) & \
                  sleep 0.2; echo ready; wait; wait";
    let (child, out) = start(&["--signal-group"], script);
    signal(&child, libc::SIGUSR1);
    let (status, rest) = finish(child, out);
    let mut lines: Vec<&str> = rest.lines().collect();
    lines.sort();
    assert_eq!(lines, ["child got USR1", "init got USR1"]);
    assert_eq!(status.code(), Some(0));
}
