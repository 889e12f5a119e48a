//! `sandbox-exec` refuses programs it cannot run: with a reason on stderr,
//! nothing on stdout, and a shell's exit status (126 "cannot execute", 127
//! "not found"); never a crash or a hang, and no host process left behind.
//!
//! The tests of this file take turns (each holds a lock throughout, so no
//! other test's `gcc` or `sandbox-exec` runs meanwhile) and make the test
//! process a child subreaper, so that after each refusal it can check that
//! it has no live children: a stub process orphaned by `sandbox-exec` would
//! be reparented to it and show up.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sandbox_tests::host::{assert_detector_works, live_children};
use sandbox_tests::{compile, run_sandboxed, sandbox_exec, Libc, Outcome, Status};

/// Exit status of a program that cannot be executed (as shells use it).
const CANNOT_EXECUTE: i32 = 126;
/// Exit status of a program that does not exist (as shells use it).
const NOT_FOUND: i32 = 127;

/// Serialises the tests of this file (see the module comment).
static TURN: Mutex<()> = Mutex::new(());

/// Waits for this test's turn; hold the guard for the whole test.
fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// A file or directory under the temp directory, removed when dropped.
struct Temp(PathBuf);

impl Temp {
    /// A fresh path, unique to this test process and `tag`; nothing is
    /// created.
    fn path(tag: &str) -> Temp {
        let p = sandbox_tests::scratch_dir().join(format!("sbx-exec-errors-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        Temp(p)
    }

    /// A fresh executable file holding `bytes`.
    fn executable(tag: &str, bytes: &[u8]) -> Temp {
        use std::os::unix::fs::PermissionsExt;
        let t = Temp::path(tag);
        std::fs::write(&t.0, bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", t.0.display()));
        std::fs::set_permissions(&t.0, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", t.0.display()));
        t
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = std::fs::remove_dir(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// A real static executable: `tests/c/exit_code.c` built with glibc.
fn static_binary() -> Vec<u8> {
    let bin = compile("exit_code", Libc::Glibc);
    std::fs::read(&bin).unwrap_or_else(|e| panic!("cannot read {}: {e}", bin.display()))
}


/// Runs `sandbox-exec PATH` (stdin empty) and checks that it is refused:
/// exit status `code`, nothing on stdout, a `sandbox-exec: cannot execute
/// PATH` line on stderr that contains every string of `reasons`, no panic,
/// and no process left behind. Returns the outcome. Call it holding
/// [`turn`].
fn assert_refused(path: &Path, code: i32, reasons: &[&str]) -> Outcome {
    // Build first: cargo is a child too (and is reaped before this returns).
    sandbox_exec();
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    assert_eq!(r, 0, "PR_SET_CHILD_SUBREAPER failed");
    let before = live_children();
    assert!(before.is_empty(), "children before the run: {before:?}");

    let start = Instant::now();
    let out = run_sandboxed(path, &[], b"", &[]);
    let took = start.elapsed();
    let what = format!("sandbox-exec {} (took {took:?})", path.display());
    let stderr = out.stderr_text();
    assert_eq!(
        out.status,
        Status::Exited(code),
        "{what}: wrong status\n{out}"
    );
    assert!(out.stdout.is_empty(), "{what}: wrote to stdout\n{out}");
    assert!(
        !stderr.contains("panicked"),
        "{what}: sandbox-exec panicked\n{out}"
    );
    let line = format!("sandbox-exec: cannot execute {}", path.display());
    assert!(
        stderr.contains(&line),
        "{what}: stderr lacks {line:?}\n{out}"
    );
    for reason in reasons {
        assert!(
            stderr.contains(reason),
            "{what}: stderr lacks {reason:?}\n{out}"
        );
    }

    // No host process outlives the refusal (a stub is killed by
    // PR_SET_PDEATHSIG, which may take a moment).
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
            panic!("{what}: host processes left behind: {left:?}\n{out}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    out
}

/// Whether `bytes` is a 64-bit little-endian ELF file with a `PT_INTERP`
/// program header (a dynamically linked program). `None` if it cannot tell.
fn has_pt_interp(bytes: &[u8]) -> Option<bool> {
    const PT_INTERP: u32 = 3;
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
        return None;
    }
    let u16_at = |o: usize| Some(u16::from_le_bytes(bytes.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_le_bytes(bytes.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(bytes.get(o..o + 8)?.try_into().ok()?));
    let phoff = usize::try_from(u64_at(0x20)?).ok()?;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    let mut found = false;
    for i in 0..phnum {
        found |= u32_at(phoff.checked_add(i.checked_mul(phentsize)?)?)? == PT_INTERP;
    }
    Some(found)
}

/// The leak check works: a child this process starts shows up, and is gone
/// once reaped.
#[test]
fn leak_check_sees_children() {
    let _turn = turn();
    assert!(
        live_children().is_empty(),
        "children before: {:?}",
        live_children()
    );
    assert_detector_works();
}

/// Control for the tests that damage a copy of a static binary: the intact
/// copy, run from the same place, works.
#[test]
fn intact_copy_runs() {
    let _turn = turn();
    let exe = Temp::executable("intact", &static_binary());
    let out = run_sandboxed(&exe.0, &["7"], b"", &[]);
    assert_eq!(out.status, Status::Exited(7), "intact copy: {out}");
    assert_eq!(out.stdout_text(), "exiting with 7\n", "intact copy: {out}");
}

/// A text file marked executable is not a program.
#[test]
fn text_file() {
    let _turn = turn();
    let exe = Temp::executable("text", b"hello\n");
    assert_refused(&exe.0, CANNOT_EXECUTE, &["exec format error"]);
}

/// The first 40 bytes of a real static binary: not even a whole ELF header.
#[test]
fn truncated_elf() {
    let _turn = turn();
    let bin = static_binary();
    let exe = Temp::executable("truncated", &bin[..40]);
    assert_refused(&exe.0, CANNOT_EXECUTE, &["exec format error"]);
}

/// A real static binary with EI_CLASS set to ELFCLASS32.
#[test]
fn elf_32_bit() {
    let _turn = turn();
    let mut bin = static_binary();
    assert_eq!(bin[4], 2, "the static test binary is not ELFCLASS64");
    bin[4] = 1;
    let exe = Temp::executable("elf32", &bin);
    assert_refused(&exe.0, CANNOT_EXECUTE, &["exec format error"]);
}

/// A dynamically linked program whose interpreter (`PT_INTERP`) does not
/// exist: a copy of the host's `/bin/true` naming
/// `/lib64/ld-nopex-x86-64.so.2` is refused with 127 as by the shell
/// (Linux's execve: `ENOENT`), naming the interpreter.
#[test]
fn dynamically_linked_without_its_interpreter() {
    let _turn = turn();
    let path = Path::new("/bin/true");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert_eq!(has_pt_interp(&bytes), Some(true), "{} is not a dynamically linked x86_64 program", path.display());
    let (from, to) = (&b"/lib64/ld-linux-x86-64.so.2"[..], &b"/lib64/ld-nopex-x86-64.so.2"[..]);
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{} does not name {}", path.display(), String::from_utf8_lossy(from)));
    let mut bin = bytes.clone();
    bin[at..at + to.len()].copy_from_slice(to);
    let exe = Temp::executable("no-interp", &bin);
    assert_refused(&exe.0, NOT_FOUND, &["/lib64/ld-nopex-x86-64.so.2", "No such file or directory"]);
}

/// A path where nothing is.
#[test]
fn nonexistent_path() {
    let _turn = turn();
    let missing = Temp::path("missing");
    assert!(!missing.0.exists());
    assert_refused(&missing.0, NOT_FOUND, &[]);
}

/// A directory (reading it fails with EISDIR).
#[test]
fn directory() {
    let _turn = turn();
    let dir = Temp::path("dir");
    std::fs::create_dir(&dir.0)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.0.display()));
    assert_refused(&dir.0, CANNOT_EXECUTE, &[]);
}
