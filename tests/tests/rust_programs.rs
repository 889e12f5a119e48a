//! Static Rust programs (`tests/rust/`), natively and in the sandbox.

use sandbox_tests::{compile_rust, run_native, run_sandboxed, Status};

#[test]
fn std_threads_and_channels() {
    let bin = compile_rust("std_threads");
    let native = run_native(&bin, &[], b"", &[]);
    assert_eq!(native.status, Status::Exited(0), "native: {native}");
    let sandboxed = run_sandboxed(&bin, &[], b"", &[]);
    assert_eq!(sandboxed.status, native.status, "sandboxed: {sandboxed}");
    assert_eq!(sandboxed.stdout, native.stdout, "sandboxed: {sandboxed}");
}
