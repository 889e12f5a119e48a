//! Real programs of the host (dynamically linked, from Debian's packages)
//! run natively and in the sandbox on the same script, compared: stdout,
//! stderr and exit status must be the same. Each run starts in `/` with a
//! clean environment (`PATH=/usr/bin:/bin`, `LC_ALL=C`, `TZ=UTC`), and
//! each script works in a directory of its own under `/tmp` (the
//! sandbox's own `/tmp` in the sandbox), removed at its end.
//!
//! The scripts are in `tests/scripts/`, passed on the command line (`-c`,
//! `-e`), so the sandbox needs no view of this repository. The programs
//! come from the packages `scripts/install-deps.sh` installs; a missing one
//! fails its test with the package to install.

use std::path::Path;

use sandbox_tests::{assert_same_run, Case, Status};

/// `path`, which must exist (else the test fails naming `package`).
fn tool<'a>(path: &'a str, package: &str) -> &'a Path {
    let p = Path::new(path);
    assert!(p.is_file(), "{path} is missing: install the Debian package `{package}` (scripts/install-deps.sh)");
    p
}

/// Runs `interpreter flag script` natively and sandboxed and compares them
/// (stderr too); the native run must exit 0. Returns the native stdout.
fn script(what: &str, interpreter: &Path, flag: &str, script: &str) -> String {
    let case = Case::new().clean_env().cwd("/").same_stderr().args([flag, script]);
    let out = assert_same_run(what, interpreter, &case);
    let text = out.stdout_text();
    assert!(text.ends_with("done\n"), "{what}: the script did not get to its end (native):\n{out}");
    text
}

/// Asserts that `out` has each of `lines` as a whole line.
fn has_lines(what: &str, out: &str, lines: &[&str]) {
    for l in lines {
        assert!(out.lines().any(|x| x == *l), "{what}: no line {l:?} in the native output:\n{out}");
    }
}

fn bash() -> &'static Path {
    tool("/bin/bash", "bash")
}

#[test]
fn coreutils_script() {
    for (p, pkg) in [
        ("/usr/bin/sort", "coreutils"),
        ("/usr/bin/sed", "sed"),
        ("/usr/bin/awk", "mawk"),
        ("/usr/bin/grep", "grep"),
        ("/usr/bin/find", "findutils"),
        ("/usr/bin/xargs", "findutils"),
        ("/usr/bin/tar", "tar"),
        ("/usr/bin/gzip", "gzip"),
        ("/usr/bin/diff", "diffutils"),
    ] {
        tool(p, pkg);
    }
    let out = script("coreutils.sh", bash(), "-c", include_str!("../scripts/coreutils.sh"));
    has_lines(
        "coreutils.sh",
        &out,
        &[
            "sum 500500 mean 500.5",
            "tar: extracted tree is identical",
            "gzip: round trip",
            "tree/a/nums.txt: OK",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -",
            "2024-02-29 13:45:06 UTC 1709214306 Thursday 060",
            "2023-11-14 17:13:20 EST",
            "1 4 9 16 25 36 ",
        ],
    );
}

/// `/dev/stdin`, `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` (bash's
/// process substitution) on pipes, the way scripts use them.
#[test]
fn bash_dev_fd() {
    let out = script(
        "bash /dev/fd",
        bash(),
        "-c",
        "\
         echo from stdin | cat /dev/stdin\n\
         echo from fd 0 | cat /dev/fd/0\n\
         cat <(echo from process substitution)\n\
         exec 3< <(echo from fd 3); cat /dev/fd/3; exec 3<&-\n\
         echo to /dev/stdout > /dev/stdout\n\
         echo to /dev/stderr > /dev/stderr\n\
         diff <(printf 'a\\nb\\n') <(printf 'a\\nc\\n') || echo \"diff: status $?\"\n\
         echo done\n",
    );
    has_lines("bash /dev/fd", &out, &["from stdin", "from process substitution", "to /dev/stdout", "diff: status 1"]);
}

#[test]
fn python3_subprocess_threads_and_c_extensions() {
    let py = tool("/usr/bin/python3", "python3");
    let out = script("python_stdlib.py", py, "-c", include_str!("../scripts/python_stdlib.py"));
    has_lines(
        "python_stdlib.py",
        &out,
        &[
            "subprocess.run: 3 'out\\n' 'err\\n'",
            "Popen cat: 300000 bytes in, 300000 out, status 0",
            "subprocess timeout: TimeoutExpired, child killed",
            "8 threads x 5000 locked increments: 40000",
            "sqlite3 file in WAL mode, second connection sees: (100, 4950)",
            "ctypes strlen: 13",
            "ctypes qsort with a Python callback: [1, 2, 3, 5, 7, 9]",
        ],
    );
}

#[test]
fn python3_multiprocessing() {
    let py = tool("/usr/bin/python3", "python3");
    let out = script("python_multiprocessing.py", py, "-c", include_str!("../scripts/python_multiprocessing.py"));
    for method in ["fork", "default", "spawn"] {
        has_lines("python_multiprocessing.py", &out, &[&format!("{method} Pool.map: [1, 1, 2, 6, 24, 120, 720, 5040]")]);
    }
    has_lines("python_multiprocessing.py", &out, &["fork Process exit code: 7 shared Value: 11"]);
}

#[test]
fn perl_core_modules_and_regex() {
    let perl = tool("/usr/bin/perl", "perl");
    let out = script("perl_core.pl", perl, "-e", include_str!("../scripts/perl_core.pl"));
    has_lines(
        "perl_core.pl",
        &out,
        &[
            "sum 44 max 9 min 1 first>4 5 product 486000",
            "regex: alice(42) on 2024-02-29, bob(7) on 2023-12-01",
            "md5: 900150983cd24fb0d6963f7d28e17f72",
            "fork and waitpid: exit 5",
        ],
    );
}

#[test]
fn sqlite3_command_line() {
    tool("/usr/bin/sqlite3", "sqlite3");
    let out = script("sqlite3_cli.sh", bash(), "-c", include_str!("../scripts/sqlite3_cli.sh"));
    has_lines("sqlite3_cli.sh", &out, &["1|apple|0.5", "apple   13   6.5  ", "wal", "ok", "test.db"]);
}

#[test]
fn gcc_compiles_links_and_runs() {
    tool("/usr/bin/gcc", "gcc");
    tool("/usr/bin/ar", "binutils");
    let out = script("gcc_build.sh", bash(), "-c", include_str!("../scripts/gcc_build.sh"));
    has_lines(
        "gcc_build.sh",
        &out,
        &[
            "square(12) = 144, root(2) = 1.414214, argc = 3",
            "prog: exit 3",
            "prog_static: exit 3",
            "prog_shared: exit 3",
            "bad.c: gcc failed with 1",
        ],
    );
}

#[test]
fn make_j2_project() {
    tool("/usr/bin/make", "make");
    tool("/usr/bin/gcc", "gcc");
    let out = script("make_j2.sh", bash(), "-c", include_str!("../scripts/make_j2.sh"));
    has_lines("make_j2.sh", &out, &["link prog", "sum 621", "make -q: up to date", "sum 1221", "make broken: exit 2"]);
}

#[test]
fn git_init_commit_log() {
    tool("/usr/bin/git", "git");
    let out = script("git_repo.sh", bash(), "-c", include_str!("../scripts/git_repo.sh"));
    has_lines(
        "git_repo.sh",
        &out,
        &[
            "Merge branch 'feature'",
            "first commit",
            "44afc5c3557bc6051186c709d158432af08ce509 Sandbox <sandbox@example.com> 2024-01-01T00:00:00+00:00",
            "fsck: ok",
        ],
    );
}

/// The harness's clean environment really is clean: nothing of the test
/// process's reaches the program, natively or sandboxed.
#[test]
fn clean_environment() {
    let env = tool("/usr/bin/env", "coreutils");
    let case = Case::new().clean_env().cwd("/").env("SBX_ONE", "1");
    let out = assert_same_run("env", env, &case);
    assert_eq!(out.status, Status::Exited(0));
    let mut vars: Vec<&str> = out.stdout_text().leak().lines().collect();
    vars.sort_unstable();
    assert_eq!(vars, ["LC_ALL=C", "PATH=/usr/bin:/bin", "SBX_ONE=1", "TZ=UTC"]);
}
