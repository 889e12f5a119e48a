//! The sandbox's `/proc` as tools see it: busybox `ps` and `top` list the
//! sandbox's processes by their sandbox PIDs and nothing of the host, no
//! `/proc/PID` link leads out of the sandbox's tree, and the host name
//! written there is the sandbox's own.

use std::path::Path;

use sandbox_tests::{run_native, run_sandboxed, run_sandboxed_with, scratch_dir, Status};

/// The process lines of a `ps`/`top` table: those after its header line
/// (the one that starts, after spaces, with `PID`) that begin with a
/// number, up to the first that does not.
fn table(out: &str, header_has: &str) -> Vec<(i32, String)> {
    let mut lines = out.lines().skip_while(|l| !(l.trim_start().starts_with("PID") && l.contains(header_has)));
    assert!(lines.next().is_some(), "no table with {header_has} in:\n{out}");
    lines
        .map_while(|l| {
            let pid = l.split_whitespace().next()?.parse().ok()?;
            Some((pid, l.to_string()))
        })
        .collect()
}

#[test]
fn ps_and_top_list_only_the_sandbox_processes() {
    // Natively, ps sees the host's processes, the test runner among them.
    let native = run_native(Path::new("/bin/busybox"), &["ps", "-o", "pid,args"], b"", &[]);
    let me = std::process::id() as i32;
    assert!(table(&native.stdout_text(), "COMMAND").iter().any(|(pid, _)| *pid == me), "native ps lists the test runner: {native}");
    // The sleep is listed once it has exec'd (its command line is its own).
    let script = "busybox sleep 5 & until [ \"$(busybox tr '\\0' ' ' < /proc/$!/cmdline)\" = 'busybox sleep 5 ' ]; do busybox usleep 1000; done; busybox ps -o pid,ppid,stat,comm,args; echo ===; busybox top -b -n 1; kill $!";
    let out = run_sandboxed(Path::new("/bin/busybox"), &["sh", "-c", script], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    let text = out.stdout_text();
    let (ps, top) = text.split_once("===\n").unwrap_or_else(|| panic!("{out}"));

    let rows = table(ps, "COMMAND");
    assert!(rows.iter().all(|(pid, _)| *pid != me), "the test runner is not in the sandbox:\n{ps}");
    assert!(ps.lines().next().is_some_and(|h| h.split_whitespace().collect::<Vec<_>>() == ["PID", "PPID", "STAT", "COMMAND", "COMMAND"]), "ps header: {ps}");
    // The shell, the sleep and ps itself: sandbox PIDs, nothing else.
    assert_eq!(rows.len(), 3, "ps lists exactly the sandbox's processes:\n{ps}");
    let cols = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let row = |what: &str, pick: &dyn Fn(&[String]) -> bool| rows.iter().map(|(_, l)| cols(l)).find(|c| pick(c)).unwrap_or_else(|| panic!("no {what} in:\n{ps}"));
    let shell = row("shell", &|c| c[0] == "1");
    assert_eq!((shell[1].as_str(), shell[3].as_str()), ("0", "busybox"), "PID 1's parent and name: {shell:?}");
    assert!(matches!(shell[2].as_str(), "S" | "R"), "PID 1 is running or asleep: {shell:?}");
    assert_eq!(&shell[4..7], ["/bin/busybox", "sh", "-c"], "PID 1's command line: {shell:?}");
    let sleep = row("sleep", &|c| c.ends_with(&["busybox".to_string(), "sleep".to_string(), "5".to_string()]) && c[0] != "1");
    let sleep_pid: i32 = sleep[0].parse().unwrap();
    assert!(sleep_pid > 1 && sleep_pid < 10, "the sleep has a small PID: {sleep:?}");
    assert_eq!(sleep[1], "1", "the sleep's parent: {sleep:?}");
    assert!(matches!(sleep[2].as_str(), "S" | "R"), "the sleep's state: {sleep:?}");
    let me = row("ps", &|c| c[4..].starts_with(&["busybox".to_string(), "ps".to_string()]));
    assert_eq!((me[1].as_str(), me[2].as_str()), ("1", "R"), "ps itself runs: {me:?}");

    for h in ["Mem:", "CPU:", "Load average:"] {
        assert!(top.lines().any(|l| l.starts_with(h)), "top shows {h}:\n{top}");
    }
    let rows = table(top, "%CPU");
    assert!(top.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["PID", "PPID", "USER", "STAT", "VSZ", "%VSZ", "%CPU", "COMMAND"]), "top header:\n{top}");
    assert_eq!(rows.len(), 3, "top lists exactly the sandbox's processes:\n{top}");
    assert!(rows.iter().all(|(pid, _)| *pid < 10), "only sandbox PIDs:\n{top}");
    for needle in ["/bin/busybox sh -c", "busybox sleep 5", "busybox top -b -n 1"] {
        assert!(rows.iter().any(|(_, l)| l.contains(needle)), "top lists {needle}:\n{top}");
    }
    assert!(rows.iter().any(|(pid, _)| *pid == sleep_pid), "top sees the sleep:\n{top}");
}

/// `/proc/PID/root`, `cwd` and `fd/N` lead into the sandbox's own tree,
/// and `..` from there stops at its root: with a host directory as the
/// root, nothing else of the host is reached.
#[test]
fn proc_links_stay_in_the_sandbox() {
    let root = scratch_dir().join(format!("sbx-procroot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    std::fs::write(root.join("marker"), "inside\n").unwrap();
    let script = "\
        [ \"$(busybox ls -a /proc/1/root/../../..)\" = \"$(busybox ls -a /)\" ] && echo root-stays; \
        busybox cat /proc/1/root/../../marker; \
        busybox cat /proc/self/cwd/../../../../../etc/passwd 2>/dev/null || echo no-passwd; \
        busybox cat /proc/1/root/../etc/passwd 2>/dev/null || echo no-passwd; \
        cd /proc/self/cwd/../../../.. && pwd; \
        exec 3</marker; busybox cat /proc/self/fd/3/../marker 2>/dev/null || echo not-a-dir; \
        busybox cat /proc/self/fd/3; busybox readlink /proc/self/fd/3; \
        busybox readlink /proc/1/root; busybox readlink /proc/1/exe; \
        busybox cat /proc/1/root/proc/1/root/marker; \
        echo | busybox cat /proc/self/fd/0/x 2>/dev/null || echo pipe-not-followed";
    let flag = format!("--root={}", root.display());
    let out = run_sandboxed_with(&[&flag], Path::new("/bin/busybox"), &["sh", "-c", script], b"", &[]);
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "root-stays\ninside\nno-passwd\nno-passwd\n/\nnot-a-dir\ninside\n/marker\n/\n/bin/busybox\ninside\npipe-not-followed\n", "{out}");
}

/// Root in the sandbox sets the host name through
/// `/proc/sys/kernel/hostname` as with `sethostname`; the host's stays.
#[test]
fn hostname_is_writable_through_proc() {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let script = "echo sbx-renamed > /proc/sys/kernel/hostname && busybox hostname && busybox cat /proc/sys/kernel/hostname";
    let out = run_sandboxed(Path::new("/bin/busybox"), &["sh", "-c", script], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "sbx-renamed\nsbx-renamed\n", "{out}");
    assert_eq!(std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(), host, "the host's name changed");
}
