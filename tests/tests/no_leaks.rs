//! A program killed by SIGSEGV leaves no host process behind.
//!
//! This file is its own test process (and holds a single test) because it
//! makes itself a child subreaper: any stub process orphaned by
//! `sandbox-exec` is reparented to it and shows up as its child.

use std::time::{Duration, Instant};

use sandbox_tests::{compile, run_sandboxed, sandbox_exec, Libc, Status};

/// The live (non-zombie) children of this process, as `(pid, comm, state)`.
/// Zombies are reaped on the way.
fn live_children() -> Vec<(i32, String, char)> {
    loop {
        // SAFETY: plain waitpid on any child, non-blocking.
        let r = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
        if r <= 0 {
            break;
        }
    }
    let me = std::process::id() as i32;
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.filter_map(Result::ok) {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may contain spaces and ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        let mut fields = stat[close + 1..].split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid: i32 = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        if ppid == me && state != 'Z' {
            out.push((pid, comm, state));
        }
    }
    out
}

#[test]
fn null_deref_leaves_no_process() {
    // Build and compile first: cargo and gcc are children too.
    sandbox_exec();
    let bin = compile("null_deref", Libc::Glibc);
    assert!(
        live_children().is_empty(),
        "children before the test: {:?}",
        live_children()
    );

    // The detector works: a child we start shows up, and is gone once reaped.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("cannot start sleep");
    let found = live_children();
    assert!(
        found
            .iter()
            .any(|(pid, comm, _)| *pid == sleeper.id() as i32 && comm == "sleep"),
        "live_children() did not find our `sleep` child: {found:?}"
    );
    sleeper.kill().expect("kill sleep");
    sleeper.wait().expect("wait sleep");
    assert!(live_children().is_empty(), "sleep still listed after wait");

    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    assert_eq!(r, 0, "PR_SET_CHILD_SUBREAPER failed");

    let out = run_sandboxed(&bin, &[], b"", &[]);
    assert_eq!(
        out.status,
        Status::Signaled(11),
        "sandboxed null_deref: {out}"
    );
    assert_eq!(out.stdout, b"before\n", "sandboxed null_deref: {out}");

    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left = live_children();
        if left.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            for (pid, _, _) in &left {
                // SAFETY: killing a process that is our own child.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            panic!("host processes left behind after the sandbox exited: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
