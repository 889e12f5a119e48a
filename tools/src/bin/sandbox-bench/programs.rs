//! The C programs of `tools/bench/`: embedded in this binary with the header
//! they share, and compiled at bench time with `gcc -O2 -static` into a
//! cache directory (reusing binaries whose source, header and flags have
//! not changed).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{describe_status, is_executable, snippet};

/// A C program from `tools/bench/`, compiled at bench time.
pub struct Program {
    /// File stem: `tools/bench/<name>.c`, compiled to `<bin-dir>/<name>`.
    pub name: &'static str,
    /// The C source, embedded so the binary works from any directory.
    pub source: &'static str,
}

/// The [`Program`] of `tools/bench/<name>.c`, its source embedded.
macro_rules! bench_program {
    ($name:literal) => {
        $crate::programs::Program {
            name: $name,
            source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/", $name, ".c")),
        }
    };
}
pub(crate) use bench_program;

/// The header the timing programs share (`tools/bench/bench.h`: the clock,
/// the iteration count argument, the timing loop and the `ns_per_op` line),
/// written next to their sources before any is compiled.
const BENCH_H: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/bench.h"));

/// The file name [`BENCH_H`] is written to, as the programs include it.
const BENCH_H_NAME: &str = "bench.h";

/// The compiler and flags every program is built with.
const CC: &str = "gcc";
/// See [`CC`].
const CFLAGS: &[&str] = &["-O2", "-static"];

impl Program {
    /// Where [`build`] puts this program's binary in `dir`.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join(self.name)
    }
}

/// Compiles `programs` into `dir`, next to the header they share, reusing
/// the binaries that are up to date.
pub fn build(dir: &Path, programs: &[&Program]) -> Result<(), String> {
    match Command::new(CC).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Err(format!(
                "`{CC} --version` failed ({}): {}",
                describe_status(o.status),
                snippet(&o.stderr)
            ))
        }
        Err(e) => {
            return Err(format!(
                "cannot run `{CC}` ({e}): sandbox-bench compiles its C benchmarks at bench \
                 time; install a C compiler and static libc (Debian: apt-get install gcc libc6-dev)"
            ))
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create bench directory {}: {e}", dir.display()))?;
    let header = dir.join(BENCH_H_NAME);
    if std::fs::read_to_string(&header).map_or(true, |old| old != BENCH_H) {
        std::fs::write(&header, BENCH_H)
            .map_err(|e| format!("cannot write {}: {e}", header.display()))?;
    }
    // The flags and a fingerprint of the header are part of every cached
    // source, so changing either rebuilds. (The fingerprint may change with
    // the Rust release too: that only costs a rebuild.)
    let mut hasher = DefaultHasher::new();
    BENCH_H.hash(&mut hasher);
    let stamp = format!(
        "/* built by sandbox-bench: {CC} {}; {BENCH_H_NAME} {:016x} */",
        CFLAGS.join(" "),
        hasher.finish()
    );
    for program in programs {
        compile(dir, program, &stamp)?;
    }
    Ok(())
}

/// Compiles `program` into `dir` unless its binary there was built from the
/// same source under the same `stamp`.
fn compile(dir: &Path, program: &Program, stamp: &str) -> Result<(), String> {
    let name = program.name;
    let text = format!("{stamp}\n{}", program.source);
    let src = dir.join(format!("{name}.c"));
    let bin = program.path(dir);
    let fresh = std::fs::read_to_string(&src).is_ok_and(|old| old == text) && is_executable(&bin);
    if fresh {
        return Ok(());
    }
    std::fs::write(&src, &text).map_err(|e| format!("cannot write {}: {e}", src.display()))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let out = Command::new(CC)
        .args(CFLAGS)
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .output()
        .map_err(|e| format!("cannot run {CC}: {e}"))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        let err = String::from_utf8_lossy(&out.stderr);
        let hint = if err.contains("cannot find -lc") || err.contains("crt1.o") {
            "static libc is missing (Debian: apt-get install libc6-dev)"
        } else {
            "is a C toolchain with static libc installed? (Debian: gcc, libc6-dev)"
        };
        return Err(format!(
            "compiling {} failed ({}): {hint}\n    {}",
            src.display(),
            describe_status(out.status),
            snippet(&out.stderr)
        ));
    }
    std::fs::rename(&tmp, &bin)
        .map_err(|e| format!("cannot move {} into place: {e}", bin.display()))
}
