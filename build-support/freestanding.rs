// Shared by `interposer/build.rs` and `sentry/build.rs` (each `include!`s
// it): building a freestanding `no_std` crate of the repository (the stub,
// the vDSO) with its own flags and target directory, so that none of its
// settings leak into the workspace.

/// Builds the crate in `dir` with `cargo build --release`, its rustc flags
/// `flags` and its target directory `target_dir`, clearing what the outer
/// build would otherwise pass on. Panics (failing the build) if it fails.
fn build_freestanding(dir: &std::path::Path, target_dir: &std::path::Path, flags: &[&str], what: &str) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(dir)
        .args(["build", "--release", "--locked", "--target-dir"])
        .arg(target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
        .status()
        .unwrap_or_else(|e| panic!("running cargo for {what}: {e}"));
    assert!(status.success(), "building {what} failed");
}
