//! Host directories bound read-write (`--bind HOST:GUEST:rw`,
//! `--rw-root`): the sandbox's changes reach the host directory, and only
//! it: links planted in it are resolved in the sandbox's own tree, so no
//! write, creation, rename or removal through one touches a host file
//! outside. Read-only binds stay `EROFS`. And the issue's measure: the
//! file-heavy busybox script (`tests/scripts/file_heavy.sh`) prints the
//! same natively, in the sandbox's `/tmp` and in a bound host directory,
//! and leaves that directory as the native run leaves its own.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sandbox_tests::{compile, run_native, run_sandboxed_with, scratch_dir, Libc, Outcome, Status};

const BUSYBOX: &str = "/bin/busybox";

/// The file-heavy script; it takes its work directory as `$1`.
const FILE_HEAVY: &str = include_str!("../scripts/file_heavy.sh");

/// A fresh, empty scratch directory for this test.
fn fresh(name: &str) -> PathBuf {
    let d = scratch_dir().join(format!("sbx-hostrw-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `busybox sh -c SCRIPT sh ARGS...` in the sandbox with `flags`.
fn sandboxed_sh(flags: &[&str], script: &str, args: &[&str]) -> Outcome {
    let mut a = vec!["sh", "-c", script, "sh"];
    a.extend_from_slice(args);
    run_sandboxed_with(flags, Path::new(BUSYBOX), &a, b"", &[])
}

/// What a host tree holds: each path (relative) with its type, mode,
/// size, link count, link target and contents.
fn snapshot(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let md = std::fs::symlink_metadata(&p).unwrap();
        let rel = p.strip_prefix(root).unwrap().display().to_string();
        let ft = md.file_type();
        let line = if ft.is_symlink() {
            format!("{rel} link -> {}", std::fs::read_link(&p).unwrap().display())
        } else if ft.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()).collect();
            entries.sort();
            stack.extend(entries);
            format!("{rel} dir {:o} nlink {}", md.permissions().mode(), md.nlink())
        } else if ft.is_file() {
            let data = std::fs::read(&p).unwrap();
            format!("{rel} file {:o} nlink {} size {} {:?}", md.permissions().mode(), md.nlink(), md.len(), fnv(&data))
        } else {
            format!("{rel} other {:o}", md.mode())
        };
        out.push(line);
    }
    out.sort();
    out
}

/// FNV-1a of `data`, to compare contents without keeping them.
fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

#[test]
fn writes_reach_the_bound_host_directory() {
    let dir = fresh("writes");
    std::fs::write(dir.join("old"), "old\n").unwrap();
    std::fs::create_dir(dir.join("full")).unwrap();
    std::fs::write(dir.join("full/x"), "x").unwrap();
    let bind = format!("{}:/w:rw", s(&dir));
    let script = r#"
cd /w || exit 9
umask 022
echo hello > new && cat new
echo more >> old
mkdir -p a/b && echo deep > a/b/f
ln new a/hard
ln -s ../new a/sym && cat a/sym
mv old a/b/moved
chmod 751 a
mkfifo a/fifo
truncate -s 3 a/b/f
touch -d "2001-02-03 04:05:06" new
ls -i new a/hard | awk '{print $1}' | uniq | wc -l
stat -c '%h %s %a' new a/b/f && stat -c '%h %a' a
rmdir full 2>/dev/null || echo "rmdir: not empty"
mv -T a full 2>/dev/null || echo "rename: not empty"
rm full/x && rmdir full
dd if=/dev/zero of=big bs=1k count=64 2>/dev/null && sync big
"#;
    let out = sandboxed_sh(&["--bind", &bind], script, &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "hello\nhello\n1\n2 6 644\n1 3 644\n3 751\nrmdir: not empty\nrename: not empty\n", "{out}");
    assert_eq!(std::fs::read_to_string(dir.join("new")).unwrap(), "hello\n");
    assert_eq!(std::fs::read_to_string(dir.join("a/b/moved")).unwrap(), "old\nmore\n");
    assert_eq!(std::fs::read(dir.join("a/b/f")).unwrap(), b"dee");
    assert_eq!(std::fs::read_link(dir.join("a/sym")).unwrap(), Path::new("../new"));
    let new = std::fs::metadata(dir.join("new")).unwrap();
    assert_eq!((new.ino(), new.nlink()), (std::fs::metadata(dir.join("a/hard")).unwrap().ino(), 2));
    assert_eq!(new.mtime(), 981173106);
    assert_eq!(std::fs::metadata(dir.join("a")).unwrap().permissions().mode() & 0o7777, 0o751);
    assert!(std::fs::symlink_metadata(dir.join("a/fifo")).unwrap().file_type().is_fifo());
    assert!(!dir.join("old").exists() && !dir.join("full").exists());
    assert_eq!(std::fs::metadata(dir.join("big")).unwrap().len(), 65536);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn planted_links_never_reach_outside_the_bound_directory() {
    let base = fresh("escape");
    let (bound, outside) = (base.join("bound"), base.join("outside"));
    std::fs::create_dir_all(&bound).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim"), "original\n").unwrap();
    std::fs::write(bound.join("f"), "f\n").unwrap();
    // Links an app could plant: to the outside by absolute path, by `..`,
    // dangling into the outside, and to the host's /etc.
    std::os::unix::fs::symlink(&outside, bound.join("abs")).unwrap();
    std::os::unix::fs::symlink("../outside", bound.join("rel")).unwrap();
    std::os::unix::fs::symlink("../../../../../../../..", bound.join("up")).unwrap();
    std::os::unix::fs::symlink(outside.join("created"), bound.join("dangling")).unwrap();
    std::os::unix::fs::symlink(outside.join("renamed"), bound.join("dangling2")).unwrap();
    std::os::unix::fs::symlink("/etc", bound.join("etc")).unwrap();
    let before = snapshot(&outside);
    let bind = format!("{}:/b:rw", s(&bound));
    let o = s(&outside);
    // Every attempt goes through a planted link; none may reach `outside`
    // (what lands in the sandbox's in-memory overlay of the host is fine).
    let script = format!(
        r#"
cd /b || exit 9
echo pwn > abs/victim
echo pwn > rel/victim
echo pwn > up{o}/victim
echo pwn > dangling
echo pwn >> dangling
rm -f abs/victim up{o}/victim
mv f abs/moved
ln etc/passwd etc/hardlink 2>/dev/null
touch up{o}/new etc/sbx-hostrw-test
chmod 777 abs/victim 2>/dev/null
mkdir rel/dir up{o}/dir 2>/dev/null
echo copy > g && mv g dangling2
mv abs moved-link
ls -la {o} >/dev/null
echo ok
"#
    );
    let out = sandboxed_sh(&["--bind", &bind], &script, &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "ok\n", "{out}");
    assert_eq!(snapshot(&outside), before, "a host file outside the bound directory changed");
    assert!(!Path::new("/etc/sbx-hostrw-test").exists());
    // A rename onto a planted link replaces the link itself.
    assert_eq!(std::fs::read_to_string(bound.join("dangling2")).unwrap(), "copy\n");
    assert_eq!(std::fs::read_link(bound.join("moved-link")).unwrap(), outside);
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn the_root_is_written_through_with_rw_root_and_stays_the_root() {
    let base = fresh("rwroot");
    let (root, outside) = (base.join("root"), base.join("outside"));
    // The host's layout (/bin a link to /usr/bin), which the sandbox's
    // /proc/self/exe names.
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::copy(BUSYBOX, root.join("usr/bin/busybox")).unwrap();
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("abs")).unwrap();
    std::os::unix::fs::symlink("../outside", root.join("rel")).unwrap();
    let o = s(&outside);
    let script = format!(
        r#"
echo made > /made
mkdir -p {o} /outside
mkdir /abs/sub && echo x > /abs/sub/f
echo y > /rel/f
echo z > /../../../outside-z
cat {o}/sub/f /rel/f
echo ok
"#
    );
    let out = sandboxed_sh(&["--rw-root", "--root", s(&root), "--cwd", "/"], &script, &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "x\ny\nok\n", "{out}");
    assert_eq!(std::fs::read_to_string(root.join("made")).unwrap(), "made\n");
    // Absolute links and `..` resolve inside the root.
    assert_eq!(std::fs::read_to_string(root.join(outside.strip_prefix("/").unwrap()).join("sub/f")).unwrap(), "x\n");
    assert_eq!(std::fs::read_to_string(root.join("outside/f")).unwrap(), "y\n");
    assert_eq!(std::fs::read_to_string(root.join("outside-z")).unwrap(), "z\n");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "nothing reached the real outside");
    std::fs::remove_dir_all(&base).unwrap();
}

/// `mmap` of a file in a read-write bound directory: a shared mapping
/// writes the host file, a private one does not; in a read-only bind the
/// program cannot get that far (its open for writing is `EROFS`).
#[test]
fn shared_mappings_write_through_to_the_host_file() {
    let dir = fresh("mmap");
    let prog = compile("host_mmap", Libc::Glibc);
    let bind = format!("{}:/data:rw", s(&dir));
    let out = run_sandboxed_with(&["--bind", &bind], &prog, &["/data/mapped"], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    let host = std::fs::read(dir.join("mapped")).unwrap();
    assert_eq!(host.len(), 4096);
    assert_eq!(&host[..20], b"through the mapping\n", "the host file holds what the shared mapping wrote");
    let ro = format!("{}:/data:ro", s(&dir));
    let out = run_sandboxed_with(&["--bind", &ro], &prog, &["/data/mapped"], b"", &[]);
    assert_eq!(out.status, Status::Exited(1), "{out}");
    assert!(out.stdout_text().contains("Read-only file system") || out.stdout_text().contains("EROFS"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn read_only_binds_stay_read_only() {
    let dir = fresh("ro");
    std::fs::write(dir.join("f"), "f\n").unwrap();
    let before = snapshot(&dir);
    for spec in [format!("{}:/r", s(&dir)), format!("{}:/r:ro", s(&dir))] {
        let script = "cd /r; for op in 'echo x > g' 'echo x >> f' 'rm f' 'mkdir d' 'mv f g' 'ln f g' 'ln -s f g' 'chmod 600 f' 'touch f' 'truncate -s 0 f'; do sh -c \"$op\" 2>&1 | grep -c 'Read-only file system'; done";
        let out = sandboxed_sh(&["--bind", &spec], script, &[]);
        assert_eq!(out.stdout_text(), "1\n".repeat(10), "{spec}: {out}");
    }
    assert_eq!(snapshot(&dir), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn file_heavy_script_matches_native_in_tmp_and_in_a_bound_directory() {
    let native_dir = fresh("heavy-native");
    let bound_dir = fresh("heavy-bound");
    let native = run_native(Path::new(BUSYBOX), &["sh", "-c", FILE_HEAVY, "sh", s(&native_dir)], b"", &[]);
    assert_eq!(native.status, Status::Exited(0), "the script fails natively: the test is broken\n{native}");
    assert!(native.stdout_text().lines().count() > 500, "{native}");
    let in_tmp = run_sandboxed_with(&[], Path::new(BUSYBOX), &["sh", "-c", "mkdir /tmp/heavy && sh -c \"$HEAVY\" sh /tmp/heavy"], b"", &[("HEAVY", FILE_HEAVY)]);
    let bind = format!("{}:/w:rw", s(&bound_dir));
    let bound = sandboxed_sh(&["--bind", &bind], FILE_HEAVY, &["/w"]);
    for (what, run) in [("in /tmp", &in_tmp), ("in a bound directory", &bound)] {
        if run.stdout != native.stdout || run.status != native.status {
            let (n, r) = (native.stdout_text(), run.stdout_text());
            let line = n.lines().zip(r.lines()).position(|(a, b)| a != b).unwrap_or(n.lines().count().min(r.lines().count()));
            panic!("sandboxed {what} differs from native at line {}\n===== native =====\n{native}===== sandboxed =====\n{run}", line + 1);
        }
    }
    assert_eq!(snapshot(&bound_dir), snapshot(&native_dir), "the bound directory differs from the native run's");
    std::fs::remove_dir_all(&native_dir).unwrap();
    std::fs::remove_dir_all(&bound_dir).unwrap();
}
