//! Sandbox-only properties: things the sandbox must do *differently* from
//! the host. Each test first proves the point natively.

use sandbox_tests::{compile, run_native, run_sandboxed, run_sandboxed_with, scratch_dir, Libc, Status};

/// An unimplemented syscall (Linux AIO's io_setup, for now) answers ENOSYS
/// instead of reaching the host.
#[test]
fn unimplemented_syscall_is_enosys() {
    for libc in Libc::ALL {
        let bin = compile("enosys", libc);
        let native = run_native(&bin, &[], b"", &[]);
        assert_eq!(native.status, Status::Exited(0), "{libc} native: {native}");
        assert_eq!(
            native.stdout_text(),
            "io_setup: ok\n",
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
            "io_setup: ENOSYS\n",
            "{libc} sandboxed: {sandboxed}"
        );
    }
}

/// Outside the host directory given as the root nothing of the host is
/// visible: not by its path, and not through a symbolic link planted in
/// that directory that points out of it (`..` stops at the sandbox's root).
#[test]
fn host_outside_the_root_is_invisible() {
    for libc in Libc::ALL {
        let bin = compile("host_path", libc);
        let native = run_native(&bin, &[], b"", &[]);
        assert_eq!(native.status, Status::Exited(0), "{libc} native: {native}");
        assert!(native.stdout_text().starts_with("open /etc/passwd: ok"), "{libc} native: {native}");
        let root = scratch_dir().join(format!("sbx-root-{}-{libc}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::copy(&bin, root.join("host_path")).unwrap();
        std::os::unix::fs::symlink("../../../../../../../etc", root.join("etc")).unwrap();
        let flag = format!("--root={}", root.display());
        let sandboxed = run_sandboxed_with(&[&flag], std::path::Path::new("/host_path"), &[], b"", &[]);
        assert_eq!(sandboxed.status, Status::Exited(0), "{libc} sandboxed: {sandboxed}");
        let text = sandboxed.stdout_text();
        assert!(text.starts_with("open /etc/passwd: E") && !text.contains(": ok"), "{libc}: the host's /etc/passwd is visible: {sandboxed}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}

/// Writes to the host's files in the default sandbox stay in the sandbox.
#[test]
fn writes_never_reach_the_host() {
    let name = format!("/etc/sandbox-test-{}", std::process::id());
    let script = format!("echo x > {name} && cat {name} && rm /etc/passwd && cat /etc/passwd");
    let out = run_sandboxed(std::path::Path::new("/bin/busybox"), &["sh", "-c", &script], b"", &[]);
    assert_eq!(out.stdout_text(), "x\n", "{out}");
    assert_eq!(out.status, Status::Exited(1), "{out}");
    assert!(!std::path::Path::new(&name).exists(), "{name} reached the host");
    assert!(std::path::Path::new("/etc/passwd").exists(), "the host lost /etc/passwd");
}

/// `--bind` shows a host directory read-only, `--tmpfs` mounts a limited
/// tmpfs, `--cwd` sets where the program starts; none of it touches the
/// host.
#[test]
fn bind_tmpfs_and_cwd_options() {
    let dir = scratch_dir().join(format!("sbx-bind-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f"), "bound\n").unwrap();
    let bind = format!("--bind={}:/mnt/b", dir.display());
    let script = "pwd; cat /mnt/b/f; echo x > /mnt/b/g || echo refused; head -c 8192 /dev/zero > /small/a; echo y > /small/b || echo full";
    let out = run_sandboxed_with(&[&bind, "--tmpfs=/small:size=8k", "--cwd=/work/here"], std::path::Path::new("/bin/busybox"), &["sh", "-c", script], b"", &[]);
    assert_eq!(out.stdout_text(), "/work/here\nbound\nrefused\nfull\n", "{out}");
    assert!(!dir.join("g").exists(), "a write reached the bound directory");
    std::fs::remove_dir_all(&dir).unwrap();
}
