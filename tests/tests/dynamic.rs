//! Dynamically linked programs, started through the dynamic loader named
//! on the command line (`ld.so PROGRAM`): `ld.so` is itself a static PIE,
//! and it maps the program and its libraries with `mmap` of their
//! descriptors, so this exercises file mappings end to end. (Run directly,
//! the same programs start through the interpreter the loader maps.)

use std::path::Path;

use sandbox_tests::{run_both, Case, Status};

/// The x86_64 glibc dynamic loader.
const LD_SO: &str = "/lib64/ld-linux-x86-64.so.2";

/// Runs `ld.so args` natively and sandboxed; both must exit with `status`
/// and print the same.
fn same(args: &[&str], status: Status) -> String {
    let ld = Path::new(LD_SO);
    assert!(ld.is_file(), "{LD_SO} is missing: the host has no glibc dynamic loader");
    let (native, sandboxed) = run_both(ld, &Case::new().args(args.iter().copied()));
    assert_eq!(native.status, status, "the native run: {native}");
    assert_eq!(
        (&native.stdout, native.status),
        (&sandboxed.stdout, sandboxed.status),
        "===== native =====\n{native}===== sandboxed =====\n{sandboxed}"
    );
    native.stdout_text()
}

#[test]
fn dynamic_true_and_echo() {
    same(&["/bin/true"], Status::Exited(0));
    assert_eq!(same(&["/bin/echo", "hello", "dynamic"], Status::Exited(0)), "hello dynamic\n");
}

#[test]
fn dynamic_shell_builtins_and_status() {
    assert_eq!(same(&["/bin/sh", "-c", "echo $((6 * 7)); exit 3"], Status::Exited(3)), "42\n");
}
