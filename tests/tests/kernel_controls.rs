//! The kernel's external controls, driven through the sentry library:
//! pause stops even a task spinning in app code, unpause lets it go on,
//! kill ends everything. Its own test binary: it counts the CPU time of
//! this process's children (the stub processes).

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::Duration;

use sentry::fsimpl::host::HostFile;
use sentry::{BootConfig, CreateProcessArgs, ExitStatus};

/// CPU clock ticks used so far by this process's child processes.
fn children_ticks() -> u64 {
    let me = std::process::id().to_string();
    let mut total = 0;
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // After the comm: state, ppid, ..., utime (14th field) and stime.
        if f.get(1) == Some(&me.as_str()) {
            total += f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
        }
    }
    total
}

fn used_over(d: Duration) -> u64 {
    let before = children_ticks();
    std::thread::sleep(d);
    children_ticks() - before
}

/// Whether the children use at least `ticks` of CPU within a few seconds
/// (generous, so that a busy machine does not fail the test).
fn runs(ticks: u64) -> bool {
    let before = children_ticks();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if children_ticks() - before >= ticks {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn pause_stops_a_spinning_task_and_unpause_resumes_it() {
    let busybox = PathBuf::from("/bin/busybox");
    assert!(busybox.exists(), "needs busybox-static (scripts/install-deps.sh)");
    let stdio = HostFile::open_stdio([std::io::stdin().as_fd(), std::io::stdout().as_fd(), std::io::stderr().as_fd()]).unwrap();
    // The test process has threads: it cannot enter a network namespace.
    let config = BootConfig { network: sentry::boot::Network::Host, ..BootConfig::default() };
    let kernel = sentry::new_kernel(&config).unwrap();
    let argv = ["busybox", "sh", "-c", "while :; do :; done"].map(Into::into).to_vec();
    let init = kernel.create_process(CreateProcessArgs { path: busybox, argv, envv: vec![], stdio }).unwrap();
    kernel.start();
    // The loop runs: it uses CPU.
    assert!(runs(10), "the busy loop does not run");
    kernel.pause();
    let paused = used_over(Duration::from_millis(300));
    assert!(paused <= 2, "{paused} ticks used while paused");
    kernel.unpause();
    assert!(runs(10), "the busy loop did not resume");
    kernel.kill(ExitStatus::killed_by(9));
    assert_eq!(init.wait_exited(), Some(ExitStatus::killed_by(9)));
    kernel.wait_exited();
}
