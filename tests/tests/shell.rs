//! Shell scripts: Debian's static busybox `sh` runs each script natively and
//! under `sandbox-exec`; stdout and exit status must be the same.
//!
//! These exercise processes end to end: fork + exec of other programs by
//! path, subshells, command substitution, pipelines, exit statuses, and
//! `#!` scripts (run directly by `sandbox-exec`, and exec'd from inside the
//! sandbox).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sandbox_tests::{compile, native_only, run_native, run_sandboxed, Libc, Outcome, Status};

/// The busybox the scripts run in (Debian's `busybox-static`).
const BUSYBOX: &str = "/bin/busybox";

fn busybox() -> &'static Path {
    let p = Path::new(BUSYBOX);
    assert!(
        p.is_file(),
        "{BUSYBOX} is missing: install Debian's busybox-static (scripts/install-deps.sh)"
    );
    p
}

/// Runs `bin args` natively and sandboxed (natively twice with
/// `$SBX_TEST_NATIVE_ONLY`) and asserts that the native run ended with
/// `expect` and that both agree on stdout and status. Returns the native
/// stdout.
fn compare(what: &str, bin: &Path, args: &[&str], expect: Status) -> String {
    let native = run_native(bin, args, b"", &[]);
    assert_eq!(
        native.status, expect,
        "{what}: the native run ended with \"{}\", expected \"{expect}\": the test itself is \
         broken on this host\n{native}",
        native.status
    );
    let sandboxed = if native_only() {
        run_native(bin, args, b"", &[])
    } else {
        run_sandboxed(bin, args, b"", &[])
    };
    if native.stdout != sandboxed.stdout || native.status != sandboxed.status {
        panic!(
            "{what}: sandboxed run differs from native run\n{}\
             ===== native =====\n{native}===== sandboxed =====\n{sandboxed}",
            diff(&native, &sandboxed)
        );
    }
    native.stdout_text()
}

/// The first differing stdout line, for the failure message.
fn diff(a: &Outcome, b: &Outcome) -> String {
    if a.stdout == b.stdout {
        return String::new();
    }
    let (ta, tb) = (a.stdout_text(), b.stdout_text());
    let (la, lb): (Vec<&str>, Vec<&str>) = (ta.lines().collect(), tb.lines().collect());
    let n = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    format!(
        "first stdout difference at line {}:\n  native:    {:?}\n  sandboxed: {:?}\n",
        n + 1,
        la.get(n).unwrap_or(&"<end of output>"),
        lb.get(n).unwrap_or(&"<end of output>")
    )
}

/// `busybox sh -c SCRIPT`, compared; the native run must end with `expect`.
fn sh(script: &str, expect: Status) -> String {
    compare(
        &format!("sh -c {script:?}"),
        busybox(),
        &["sh", "-c", script],
        expect,
    )
}

/// [`sh`] for a script that exits 0, checking its output too.
fn sh_prints(script: &str, want: &str) {
    let out = sh(script, Status::Exited(0));
    assert_eq!(out, want, "sh -c {script:?}: unexpected output (native)");
}

#[test]
fn fork_exec_loop() {
    let mut want = String::new();
    for i in 0..25 {
        want.push_str(&format!("it {i}\n"));
    }
    want.push_str("done 25\n");
    sh_prints(
        "i=0; while [ $i -lt 25 ]; do /bin/busybox true; /bin/busybox echo it $i; \
         i=$((i+1)); done; /bin/busybox false || echo done $i",
        &want,
    );
}

#[test]
fn subshells_and_status() {
    sh_prints(
        "( echo in; exit 4 ); echo \"status $?\"; \
         (exit 7) || echo \"failed $?\"; \
         ( ( exit 3 ); echo \"inner $?\"; exit 5 ); echo \"outer $?\"; \
         /bin/busybox sh -c 'exit 9'; echo \"nested sh $?\"; \
         /bin/busybox false; echo \"false $?\"; \
         ! /bin/busybox true; echo \"negated $?\"",
        "in\nstatus 4\nfailed 7\ninner 3\nouter 5\nnested sh 9\nfalse 1\nnegated 1\n",
    );
}

#[test]
fn command_substitution() {
    sh_prints(
        "x=$(echo hello; /bin/busybox echo world); echo \"[$x]\"; \
         y=$(exit 3); echo \"status $?\"; \
         n=$(seq 1 100 | wc -l); echo \"lines $n\"; \
         z=`/bin/busybox echo backticks`; echo \"$z\"",
        "[hello\nworld]\nstatus 3\nlines 100\nbackticks\n",
    );
}

#[test]
fn nested_substitution() {
    sh_prints(
        "echo $( echo a $( echo b $( /bin/busybox echo c $( echo d ) ) ) ); \
         echo \"$(echo \"$(echo \"$(echo deep)\")\")\"",
        "a b c d\ndeep\n",
    );
}

#[test]
fn pipelines() {
    sh_prints("seq 1 1000 | wc -l", "1000\n");
    sh_prints("echo hi | tr a-z A-Z | rev", "IH\n");
    sh_prints(
        "seq 1 5000 | /bin/busybox grep 7 | /bin/busybox wc -l; \
         /bin/busybox seq 1 3 | /bin/busybox tac; \
         echo x | /bin/busybox false; echo \"last fails $?\"; \
         /bin/busybox false | echo y; echo \"first fails $?\"",
        "1355\n3\n2\n1\nlast fails 1\ny\nfirst fails 0\n",
    );
}

#[test]
fn big_pipeline() {
    // More than a pipe buffer through several processes.
    sh_prints(
        "seq 1 100000 | /bin/busybox tr 0-9 a-j | /bin/busybox sort -r | \
         /bin/busybox head -n 3; seq 1 100000 | /bin/busybox md5sum",
        "jjjjj\njjjji\njjjjh\ndea9193b768319cbb4ff1a137ac03113  -\n",
    );
}

#[test]
fn exit_codes() {
    // Codes 129..=192 are left out: sandbox-exec reports a program killed
    // by signal N as 128+N, so those are ambiguous in the comparison.
    for n in [0, 1, 2, 3, 42, 100, 126, 127, 128, 200, 255] {
        sh(&format!("exit {n}"), Status::Exited(n));
    }
    sh("exit 256", Status::Exited(0));
    sh("/bin/busybox sh -c 'exit 77'", Status::Exited(77));
    sh("(exit 33)", Status::Exited(33));
    sh("exec /bin/busybox sh -c 'exit 34'", Status::Exited(34));
    sh("/bin/busybox false", Status::Exited(1));
}

#[test]
fn exec_errors() {
    // The messages go to stderr (not compared); the statuses are printed.
    sh_prints(
        "/nonexistent/prog; echo \"missing $?\"; /; echo \"directory $?\"; \
         exec /bin/busybox echo replaced; echo not reached",
        "missing 127\ndirectory 126\nreplaced\n",
    );
}

/// A file under the temp directory, removed when dropped.
struct TempScript(PathBuf);

impl TempScript {
    /// A fresh executable (mode 755) file holding `text`, unique to this
    /// test process and `tag`.
    fn new(tag: &str, text: &str) -> TempScript {
        let p = sandbox_tests::scratch_dir().join(format!("sbx-shell-{}-{tag}", std::process::id()));
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", p.display()));
        TempScript(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempScript {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn utf8(p: &Path) -> &str {
    p.to_str().expect("temp path is UTF-8")
}

/// A `#!` script whose interpreter is `tests/c/hello.c` (it prints its
/// arguments), with an interpreter argument: it runs without a filesystem,
/// since the interpreter never opens the script.
fn hello_script(tag: &str) -> (TempScript, String) {
    let hello = compile("hello", Libc::Musl);
    let hello = utf8(&hello).to_owned();
    (
        TempScript::new(tag, &format!("#!{hello} interp-arg\nignored\n")),
        hello,
    )
}

/// What `hello` prints when run as `script`'s interpreter with `args`.
fn hello_output(hello: &str, script: &str, args: &[&str]) -> String {
    let mut argv = vec![hello, "interp-arg", script];
    argv.extend_from_slice(args);
    let mut s = format!("hello\nargc={}\n", argv.len());
    for (i, a) in argv.iter().enumerate() {
        s.push_str(&format!("argv[{i}]=[{a}]\n"));
    }
    s.push_str("SBX_TEST_A unset\nSBX_TEST_B unset\nSBX_TEST_UNSET unset\n");
    s
}

/// `sandbox-exec /path/to/script args`: the first program is a `#!` script.
#[test]
fn shebang_direct() {
    let (script, hello) = hello_script("direct");
    let path = utf8(script.path());
    let out = compare(
        "#! script run by sandbox-exec",
        script.path(),
        &["one", "two words", ""],
        Status::Exited(0),
    );
    assert_eq!(
        out,
        hello_output(&hello, path, &["one", "two words", ""]),
        "#! script: unexpected output (native)"
    );
}

/// A shell inside the sandbox execs a `#!` script, and a script that is
/// itself the interpreter of another (nested `#!`, as Linux allows).
#[test]
fn shebang_from_shell() {
    let (script, hello) = hello_script("from-shell");
    let path = utf8(script.path());
    let nested = TempScript::new("nested", &format!("#!{path}\n"));
    let nested_path = utf8(nested.path());
    let mut want = hello_output(&hello, path, &["x"]);
    want.push_str("status 0\n");
    want.push_str(&hello_output(&hello, path, &["a b", "c"]));
    want.push_str(&hello_output(&hello, path, &[nested_path, "n"]));
    sh_prints(
        &format!(
            "{path} x; echo \"status $?\"; {path} 'a b' c; {nested_path} n; \
             exec {path} exec"
        ),
        &format!("{want}{}", hello_output(&hello, path, &["exec"])),
    );
}

/// A `busybox sh` script: the interpreter has to open the script to read it.
fn busybox_script(tag: &str) -> TempScript {
    TempScript::new(
        tag,
        "#!/bin/busybox sh\n\
         echo \"argc $#: [$1] [$2] [$3]\"\n\
         echo \"0 is $0\"\n\
         x=$(/bin/busybox echo from a child)\n\
         echo \"$x\" | tr a-z A-Z\n\
         exit 6\n",
    )
}

/// `sandbox-exec /path/to/script args` for a `busybox sh` script.
#[test]
fn shell_script_direct() {
    let script = busybox_script("sh-direct");
    let path = utf8(script.path());
    let out = compare(
        "busybox sh script run by sandbox-exec",
        script.path(),
        &["one", "two words", ""],
        Status::Exited(6),
    );
    assert_eq!(
        out,
        format!("argc 3: [one] [two words] []\n0 is {path}\nFROM A CHILD\n"),
        "#! script: unexpected output (native)"
    );
}

/// A `busybox sh` script runs another one, then execs it.
#[test]
fn shell_script_chain() {
    let inner = busybox_script("sh-chain-inner");
    let path = utf8(inner.path());
    let outer = TempScript::new(
        "sh-chain-outer",
        &format!(
            "#!/bin/busybox sh\n\
             {path} a b; echo \"inner script exited $?\"\n\
             exec {path} exec\n"
        ),
    );
    let out = sh(utf8(outer.path()), Status::Exited(6));
    assert_eq!(
        out,
        format!(
            "argc 2: [a] [b] []\n0 is {path}\nFROM A CHILD\ninner script exited 6\n\
             argc 1: [exec] [] []\n0 is {path}\nFROM A CHILD\n"
        ),
        "#! script running a #! script: unexpected output (native)"
    );
}

#[test]
fn background_jobs() {
    // `&` redirects the job's stdin from /dev/null, and `wait` sleeps in
    // rt_sigsuspend until SIGCHLD arrives.
    sh_prints(
        "/bin/busybox sleep 0.1 & /bin/busybox echo started; wait; echo \"waited $?\"; \
         (exit 3) & wait $!; echo \"job $?\"",
        "started\nwaited 0\njob 3\n",
    );
}

/// A `trap` handler runs when the shell signals itself, before the next
/// command.
#[test]
fn trap_self_signal() {
    sh_prints(
        "trap \"echo got\" USR1; kill -USR1 $$; echo after; \
         trap - USR1; trap \"echo term\" TERM; kill $$; echo \"after $?\"",
        "got\nafter\nterm\nafter 0\n",
    );
}

/// `timeout` kills the command with SIGTERM after 1 s, well before its
/// 10 s sleep ends; the status is 143 from a shell, and the killed process
/// itself ends by signal 15.
#[test]
fn timeout_kills() {
    let start = std::time::Instant::now();
    sh_prints(
        "/bin/busybox timeout 1 /bin/busybox sleep 10; echo \"status $?\"",
        "status 143\n",
    );
    // The script becomes the timed-out command itself (busybox sh execs
    // a lone command; busybox timeout execs the command in its own process).
    sh("/bin/busybox timeout 1 /bin/busybox sleep 10", Status::Signaled(15));
    let took = start.elapsed();
    // Each run (native and sandboxed, twice) takes about 1 s, not 10.
    assert!(took < std::time::Duration::from_secs(20), "timeout took {took:?}");
}

/// `yes` ends with SIGPIPE once `head` has what it wants and exits.
#[test]
fn sigpipe_ends_yes() {
    let start = std::time::Instant::now();
    sh_prints("yes | head -n 3", "y\ny\ny\n");
    sh_prints(
        "/bin/busybox yes | /bin/busybox head -n 3; echo \"status $?\"; \
         set -o pipefail; /bin/busybox yes | /bin/busybox head -n 1; echo \"pipefail $?\"",
        "y\ny\ny\nstatus 0\ny\npipefail 141\n",
    );
    let took = start.elapsed();
    assert!(took < std::time::Duration::from_secs(20), "yes | head took {took:?}");
}
