//! The escape battery (issue 15, "walls"): each test tries a known way out
//! of a sandbox's file tree and checks that it fails as Linux makes it fail
//! inside a chroot or a bind mount, and that the host side is untouched.
//! The probe is `tests/c/escape_probe.c`; it prints "ESCAPED" whenever a
//! file it opened holds the host secret, which no expected output contains.
//!
//! Where the sentry holds but differs from Linux, the test says so on
//! stderr: file handles are `ENOSYS` (Linux: `EPERM`); a directory moved
//! out of its bind (by the sandbox through a wider bind, or by the host)
//! keeps its old place in the sandbox's tree (its old name still found,
//! `..` its old parent) where Linux refuses `..` and `getcwd` (`ENOENT`).
//!
//! Each test lays out a fresh host directory:
//!
//! ```text
//! BASE/secret          the host secret, next to the directories below
//! BASE/root/           the sandbox's `--root` (the probe, in-root/file)
//! BASE/bound/, ...     directories bound into the sandbox
//! ```

use std::path::{Path, PathBuf};

use sandbox_tests::{compile, run_sandboxed_with, scratch_dir, Libc, Outcome, Status};

/// A test's host directories.
struct Layout {
    base: PathBuf,
    root: PathBuf,
    secret: String,
}

impl Layout {
    /// A fresh layout for the test `name`, with the bound directories
    /// `binds` (made empty) under BASE.
    fn new(name: &str, binds: &[&str]) -> Layout {
        let base = scratch_dir().join(format!("sbx-escape-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        std::fs::create_dir_all(root.join("in-root")).unwrap();
        std::fs::write(root.join("in-root/file"), "in-root").unwrap();
        std::fs::copy(compile("escape_probe", Libc::Glibc), root.join("probe")).unwrap();
        for b in binds {
            std::fs::create_dir_all(base.join(b)).unwrap();
        }
        let secret = format!("host-secret-{name}-{}", std::process::id());
        std::fs::write(base.join("secret"), &secret).unwrap();
        Layout { base, root, secret }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }

    /// `--bind BASE/HOST:GUEST[:MODE]`.
    fn bind(&self, host: &str, guest: &str) -> String {
        format!("{}:{guest}", s(&self.path(host)))
    }

    /// The probe in the sandbox rooted at BASE/root, with `flags` besides;
    /// it must exit 0.
    fn probe(&self, flags: &[&str], args: &[&str]) -> Outcome {
        let mut all = vec!["--root", s(&self.root), "--cwd", "/"];
        all.extend_from_slice(flags);
        let out = run_sandboxed_with(&all, Path::new("/probe"), args, b"", &[]);
        assert_eq!(out.status, Status::Exited(0), "escape_probe {args:?}: {out}");
        assert!(!out.stdout_text().contains("ESCAPED"), "escape_probe {args:?} reached the host secret: {out}");
        out
    }

    /// The host secret, and BASE's entries, are as the layout made them.
    fn assert_host_untouched(&self, binds: &[&str]) {
        assert_eq!(std::fs::read_to_string(self.path("secret")).unwrap(), self.secret, "the host secret changed");
        let mut names: Vec<String> = std::fs::read_dir(&self.base).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        let mut want: Vec<String> = ["root", "secret"].iter().chain(binds).map(|n| n.to_string()).collect();
        want.sort();
        assert_eq!(names, want, "something appeared next to the sandbox's directories");
        let mut in_root: Vec<String> = std::fs::read_dir(&self.root).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        in_root.sort();
        assert_eq!(in_root, ["in-root", "probe"], "the read-only root changed on the host");
    }

    fn remove(self) {
        std::fs::remove_dir_all(&self.base).unwrap();
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// What `escape_probe dotdot` prints when every `..` stops at `/`.
const DOTDOT_HELD: &str = "\
DIR/../NAME: ENOENT
DIR/../../../../../../NAME: ENOENT
DIR + 200 x /.. + NAME: ENOENT
HOSTPATH: ENOENT
DIR/../../../..HOSTPATH: ENOENT
cwd ../NAME: ENOENT
cwd ../../../../NAME: ENOENT
cwd after chdir ../../../..: /
then NAME: ENOENT
openat(O_RDONLY dirfd, ../NAME): ENOENT
openat(O_RDONLY dirfd, ../../../../../NAME): ENOENT
openat(O_RDONLY dirfd, ..) x 21 then NAME: ENOENT
openat(O_RDONLY dirfd, ..) x 21 is /: 1
openat(O_PATH dirfd, ../NAME): ENOENT
openat(O_PATH dirfd, ../../../../../NAME): ENOENT
openat(O_PATH dirfd, ..) x 21 then NAME: ENOENT
openat(O_PATH dirfd, ..) x 21 is /: 1
DIR/.. is /: 1
/.. is /: 1
";

/// `..` from the sandbox's `/` (a `--root` directory) is `/` itself, by
/// path, from the working directory and from a descriptor: the secret next
/// to the root directory on the host is never reached.
#[test]
fn dotdot_stops_at_the_root_of_a_root_directory() {
    let l = Layout::new("dotdot-root", &[]);
    let secret_path = l.path("secret");
    let out = l.probe(&[], &["dotdot", "/", "secret", &l.secret, s(&secret_path)]);
    assert_eq!(out.stdout_text(), DOTDOT_HELD, "{out}");
    l.assert_host_untouched(&[]);
    l.remove();
}

/// `..` from the root of a bind mount, read-only or read-write, is the
/// directory it is mounted on (here `/`), never the host directory's
/// parent, where the secret lies.
#[test]
fn dotdot_stops_at_the_root_of_a_bind() {
    let l = Layout::new("dotdot-bind", &["bound"]);
    std::fs::write(l.path("bound/f"), "f").unwrap();
    let secret_path = l.path("secret");
    for mode in ["ro", "rw"] {
        let bind = format!("{}:{mode}", l.bind("bound", "/b"));
        let out = l.probe(&["--bind", &bind], &["dotdot", "/b", "secret", &l.secret, s(&secret_path)]);
        assert_eq!(out.stdout_text(), DOTDOT_HELD, "--bind ...:{mode}: {out}");
    }
    // A bind mounted deeper, on a directory the root does not have.
    let bind = format!("{}:rw", l.bind("bound", "/mnt/deep/b"));
    let out = l.probe(&["--bind", &bind], &["dotdot", "/mnt/deep/b", "secret", &l.secret, s(&secret_path)]);
    assert_eq!(out.stdout_text(), DOTDOT_HELD.replace("DIR/.. is /: 1", "DIR/.. is /: 0"), "{out}");
    l.assert_host_untouched(&["bound"]);
    assert_eq!(std::fs::read_dir(l.path("bound")).unwrap().count(), 1);
    l.remove();
}

/// `/proc/self/root` and `/proc/PID/cwd` name the sandbox's paths, and `..`
/// through them stays in the sandbox's tree.
#[test]
fn proc_root_and_cwd_links_stay_inside() {
    let l = Layout::new("proc", &["bound"]);
    let bind = l.bind("bound", "/b");
    let out = l.probe(&["--bind", &bind], &["proc", "/b", "secret", &l.secret]);
    assert_eq!(
        out.stdout_text(),
        "\
/proc/self/root -> /
/proc/self/cwd -> /b
/proc/self/root/../NAME: ENOENT
/proc/self/root/../../../NAME: ENOENT
/proc/self/root/.. is /: 1
/proc/self/cwd/../NAME: ENOENT
/proc/self/cwd/../../NAME: ENOENT
/proc/self/cwd/../.. is /: 1
/proc/1 is self: 1
/proc/1/cwd/../../NAME: ENOENT
/proc/CHILD/cwd -> /b
/proc/CHILD/root -> /
/proc/CHILD/cwd/../NAME: ENOENT
/proc/CHILD/cwd/../../../NAME: ENOENT
/proc/CHILD/root/../NAME: ENOENT
",
        "{out}"
    );
    l.assert_host_untouched(&["bound"]);
    l.remove();
}

/// A thread swaps `link` in a read-write bind between a directory and
/// links to `/`, to the secret's host directory and to `../..` up to it
/// (by unlink and rename, and atomically by `RENAME_EXCHANGE`), while
/// another opens `link/secret` (at least 3000 swaps and 20000 opens, for
/// at most 5 s): it opens the
/// directory's file or nothing, never the host's. Links made in the
/// sandbox with absolute targets resolve in the sandbox's tree.
#[test]
fn symlinks_swapped_during_open_never_reach_the_host() {
    let l = Layout::new("race", &["bound"]);
    let bind = format!("{}:rw", l.bind("bound", "/w"));
    let out = l.probe(&["--bind", &bind], &["race", "/w", s(&l.base), &l.secret]);
    eprintln!("{}", out.stderr_text().trim_end());
    assert_eq!(
        out.stdout_text(),
        "\
race: host secret opened 0 times
race: opens of the directory's file: some
race: other errors: 0
abs/secret: ENOENT
abs2/file: opened other
up/HOSTDIR/secret: ENOENT
up/in-root/file: opened other
create abs/created: ENOENT
",
        "{out}"
    );
    // The links are on the host as the sandbox wrote them; nothing was
    // created through them.
    assert_eq!(std::fs::read_link(l.path("bound/abs")).unwrap(), l.base);
    assert_eq!(std::fs::read_link(l.path("bound/abs2")).unwrap(), Path::new("/in-root"));
    assert_eq!(std::fs::read_to_string(l.path("bound/link/secret")).unwrap(), "inside");
    assert!(!l.path("created").exists() && !l.root.join("created").exists());
    l.assert_host_untouched(&["bound"]);
    l.remove();
}

/// Hard links and renames between mounts are `EXDEV`, whichever way:
/// read-only bind, read-write binds, the sandbox's `/tmp` and its root;
/// through `/proc/self/fd/N` too, so no file outside a read-write bind
/// gets a name inside it. Within a read-only bind they are `EROFS`.
#[test]
fn links_and_renames_across_binds_are_exdev() {
    let l = Layout::new("xdev", &["ro", "rw", "rw2"]);
    std::fs::write(l.path("ro/f"), "ro").unwrap();
    std::fs::write(l.path("rw/f"), "rw").unwrap();
    let (ro, rw, rw2) = (format!("{}:ro", l.bind("ro", "/r")), format!("{}:rw", l.bind("rw", "/w")), format!("{}:rw", l.bind("rw2", "/w2")));
    let out = l.probe(&["--bind", &ro, "--bind", &rw, "--bind", &rw2], &["xdev", "/r", "/w", "/w2"]);
    // Linux: linkat with AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (ENOENT
    // without it) unless the kernel lets a file's opener link it (6.10+);
    // either way, never a link.
    let text = out.stdout_text();
    let empty_path = text.lines().find(|l| l.starts_with("linkat AT_EMPTY_PATH")).unwrap_or_default();
    assert!(["linkat AT_EMPTY_PATH (outside) -> rw: EXDEV", "linkat AT_EMPTY_PATH (outside) -> rw: ENOENT"].contains(&empty_path), "{out}");
    assert_eq!(
        text.replace(&format!("{empty_path}\n"), ""),
        "\
ok link ro -> /tmp: EXDEV
ok link ro -> rw: EXDEV
ok link ro -> ro: EROFS
ok link rw -> /tmp: EXDEV
ok link rw -> rw2: EXDEV
ok link /tmp -> rw: EXDEV
ok link / -> rw: EXDEV
ok linkat /proc/self/fd/N (outside) -> rw: EXDEV
ok linkat /proc/self/fd/N (ro) -> rw: EXDEV
ok rename ro -> /tmp: EXDEV
ok rename ro -> rw: EXDEV
ok rename ro -> ro: EROFS
ok rename rw -> /tmp: EXDEV
ok rename rw -> rw2: EXDEV
ok rename /tmp -> rw: EXDEV
ok rename / -> rw: EXDEV
ok rename /tmp over ro: EXDEV
ok rename dir /tmp -> rw: EXDEV
",
        "{out}"
    );
    for (dir, file, data) in [("ro", "f", "ro"), ("rw", "f", "rw")] {
        let names: Vec<_> = std::fs::read_dir(l.path(dir)).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [file], "BASE/{dir} changed");
        assert_eq!(std::fs::read_to_string(l.path(dir).join(file)).unwrap(), data);
    }
    assert_eq!(std::fs::read_dir(l.path("rw2")).unwrap().count(), 0, "BASE/rw2 changed");
    l.assert_host_untouched(&["ro", "rw", "rw2"]);
    l.remove();
}

/// `open_by_handle_at` opens nothing, neither from a handle
/// `name_to_handle_at` gave (if it gives one) nor from forged ones. Linux
/// gives `EPERM` without CAP_DAC_READ_SEARCH; the sentry does not implement
/// either call and gives `ENOSYS`, which holds as well.
#[test]
fn file_handles_open_nothing() {
    let l = Layout::new("handle", &["rw"]);
    std::fs::write(l.path("rw/f"), "f").unwrap();
    let rw = format!("{}:rw", l.bind("rw", "/w"));
    let out = l.probe(&["--bind", &rw], &["handle", "/w/f"]);
    let text = out.stdout_text();
    eprintln!("{}", text.trim_end());
    assert!(!text.contains("open_by_handle_at (its handle): ok"), "{out}");
    let forged = text.lines().find(|l| l.starts_with("open_by_handle_at (forged)")).expect("forged line");
    assert!(forged.starts_with("open_by_handle_at (forged): 0 opened, first error "), "{out}");
    assert!(!forged.ends_with("none"), "{out}");
    l.assert_host_untouched(&["rw"]);
    l.remove();
}

/// A file of a read-only bind, opened `O_RDONLY`: no shared writable
/// mapping (`EACCES`, from `mmap` and from `mprotect`); a private one is
/// writable and changes nothing on the host; opening it for writing or
/// truncating is `EROFS`.
#[test]
fn writable_mappings_of_a_read_only_host_file() {
    let l = Layout::new("mmap", &["ro"]);
    std::fs::write(l.path("ro/f"), "original contents\n").unwrap();
    let ro = format!("{}:ro", l.bind("ro", "/r"));
    let out = l.probe(&["--bind", &ro], &["mmap", "/r/f"]);
    assert_eq!(
        out.stdout_text(),
        "\
mmap(PROT_WRITE, MAP_SHARED): EACCES
mmap(PROT_WRITE only, MAP_SHARED): EACCES
mmap(PROT_WRITE, MAP_PRIVATE): ok
msync: ok
mprotect(PROT_WRITE) of a shared read-only mapping: EACCES
mprotect(PROT_WRITE) of a private mapping: ok
contents unchanged in the sandbox: 1
open(O_RDWR): EROFS
open(O_WRONLY): EROFS
open(O_RDONLY|O_TRUNC): EROFS
open(O_WRONLY|O_APPEND): EROFS
",
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(l.path("ro/f")).unwrap(), "original contents\n");
    l.assert_host_untouched(&["ro"]);
    l.remove();
}

/// Descriptors passed over SCM_RIGHTS between sandbox processes grant what
/// they granted the sender and nothing more: a read-only one of a
/// read-only bind's file cannot be written, truncated or reopened for
/// writing through `/proc/self/fd/N` (`EROFS`), and an `O_PATH` one of its
/// directory creates and removes nothing.
#[test]
fn passed_descriptors_grant_nothing_more() {
    let l = Layout::new("rights", &["ro"]);
    std::fs::write(l.path("ro/f"), "original\n").unwrap();
    let ro = format!("{}:ro", l.bind("ro", "/r"));
    let out = l.probe(&["--bind", &ro], &["rights", "/r/f"]);
    assert_eq!(
        out.stdout_text(),
        "\
access mode: O_RDONLY
ok write: EBADF
ok pwrite: EBADF
ok ftruncate: EINVAL
ok fallocate: EBADF
access mode after F_SETFL O_RDWR: O_RDONLY
ok write after F_SETFL: EBADF
ok mmap(PROT_WRITE, MAP_SHARED): EACCES
ok reopen /proc/self/fd/N O_RDWR: EROFS
ok reopen /proc/self/fd/N O_WRONLY: EROFS
ok reopen /proc/self/fd/N O_TRUNC: EROFS
ok fchmod: EROFS
ok openat(O_PATH dirfd, f, O_RDWR): EROFS
ok openat(O_PATH dirfd, new, O_CREAT): EROFS
ok mkdirat(O_PATH dirfd): EROFS
ok unlinkat(O_PATH dirfd): EROFS
ok openat(O_PATH dirfd, .., O_RDWR dir): EISDIR
ok create under /proc/self/fd/DIR: EROFS
",
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(l.path("ro/f")).unwrap(), "original\n");
    let names: Vec<_> = std::fs::read_dir(l.path("ro")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["f"]);
    l.assert_host_untouched(&["ro"]);
    l.remove();
}

/// Checks `escape_probe moved`'s output: NAME (the host secret two levels
/// above the bind's host directory) is never reached from a directory moved
/// out of the bind, and `..` from it is refused (`ENOENT`, as Linux does
/// for a path no longer under its mount's root) or stays in the sandbox's
/// tree (the bind's root or `/`). Returns the lines that differ from
/// Linux's, to print.
fn check_moved(out: &Outcome) -> Vec<String> {
    let text = out.stdout_text();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("ok moved out of the bind"), "{out}");
    let mut differ = Vec::new();
    let mut n = 0;
    for line in lines {
        n += 1;
        let (what, got) = line.rsplit_once(": ").unwrap_or_else(|| panic!("line {line:?}: {out}"));
        let linux = if what.ends_with("NAME") {
            assert_eq!(got, "ENOENT", "{line}: {out}");
            "ENOENT"
        } else if what.starts_with("dirfd ") {
            assert!(["ENOENT", "DIR", "/"].contains(&got), "{line}: `..` left the bind: {out}");
            "ENOENT"
        } else if what == "DIR/x after the move" {
            assert!(["ENOENT", "exists"].contains(&got), "{line}: {out}");
            "ENOENT"
        } else if what == "getcwd" || what == "chdir .." {
            "ENOENT"
        } else {
            panic!("unexpected line {line:?}: {out}");
        };
        if got != linux {
            differ.push(format!("{line} (Linux: {linux})"));
        }
    }
    assert_eq!(n, 16, "{out}");
    differ
}

/// The sandbox stands in a directory of a bind and moves it out of the
/// bind, through a wider bind of the host directory's parent: `..` from it
/// never reaches the host directories above (where the secret lies).
#[test]
fn dotdot_from_a_directory_moved_out_of_its_bind() {
    let l = Layout::new("moved", &["bound"]);
    std::fs::create_dir_all(l.path("bound/sub/x")).unwrap();
    let (narrow, wide) = (format!("{}:rw", l.bind("bound/sub", "/s")), format!("{}:rw", l.bind("bound", "/w")));
    let out = l.probe(&["--bind", &wide, "--bind", &narrow], &["moved", "/s", "/w", "secret", &l.secret]);
    for d in check_moved(&out) {
        eprintln!("differs from Linux: {d}");
    }
    assert!(l.path("bound/x").is_dir() && !l.path("bound/sub/x").exists());
    l.assert_host_untouched(&["bound"]);
    l.remove();
}

/// The host moves the directory the sandbox stands in out of its bind, to
/// next to the secret: `..` from it never reaches the secret.
#[test]
fn dotdot_from_a_directory_the_host_moved_out_of_the_bind() {
    let l = Layout::new("hostmoved", &["bound"]);
    std::fs::create_dir_all(l.path("bound/sub/x")).unwrap();
    let narrow = format!("{}:rw", l.bind("bound/sub", "/s"));
    let (ready, from, to) = (l.path("bound/sub/ready"), l.path("bound/sub/x"), l.path("x"));
    let mover = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        while !ready.exists() {
            assert!(start.elapsed() < std::time::Duration::from_secs(20), "the probe never got ready");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::fs::rename(&from, &to).unwrap();
        std::fs::write(to.join("go"), "").unwrap();
    });
    let out = l.probe(&["--bind", &narrow], &["moved", "/s", "-", "secret", &l.secret]);
    mover.join().unwrap();
    for d in check_moved(&out) {
        eprintln!("differs from Linux: {d}");
    }
    l.assert_host_untouched(&["bound", "x"]);
    l.remove();
}

/// A file of the read-only root (under the in-memory overlay), written
/// through a descriptor reopened by `/proc/self/fd/N` from one opened
/// before any write, a shared writable mapping, `fchmod`, an append and a
/// truncation: the sandbox sees it all (the mapping as far as the file
/// goes), the host file none of it.
#[test]
fn writes_to_the_read_only_root_stay_in_the_overlay() {
    use std::os::unix::fs::MetadataExt;
    let l = Layout::new("overlay", &[]);
    let file = l.root.join("in-root/file");
    let before = std::fs::metadata(&file).unwrap();
    let out = l.probe(&[], &["overlay", "/in-root/file"]);
    assert_eq!(out.stdout_text(), "the sandbox sees: PWNEDMAAPPENDED\nthen truncated: size 2, mode 777\n", "{out}");
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "in-root", "the host file changed");
    assert_eq!((after.mode(), after.mtime(), after.mtime_nsec(), after.ino()), (before.mode(), before.mtime(), before.mtime_nsec(), before.ino()));
    l.assert_host_untouched(&[]);
    l.remove();
}

/// The classic way out of a chroot (chroot into a subdirectory, `..` from
/// the working directory left above it, chroot(".")) leads at most to the
/// sandbox's own `/`, as it leads a process in a mount namespace to that
/// namespace's root: never to the host's. (Without CAP_SYS_CHROOT the
/// chroots are `EPERM`, which holds too.)
#[test]
fn chroot_and_dotdot_lead_to_the_sandbox_root_at_most() {
    let l = Layout::new("chroot", &[]);
    let secret_path = l.path("secret");
    let out = l.probe(&[], &["chroot", "secret", &l.secret, s(&secret_path)]);
    let rest = "../../../../../../NAME: ENOENT\nHOSTPATH: ENOENT\n/probe is there: 1\n";
    let text = out.stdout_text();
    assert!(
        text == format!("chroot /tmp/c: ok\nchroot . after chdir .. x 50: ok\n{rest}") || text == format!("chroot /tmp/c: EPERM\nchroot . after chdir .. x 50: EPERM\n{rest}"),
        "{out}"
    );
    l.assert_host_untouched(&[]);
    l.remove();
}
