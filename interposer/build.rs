//! Builds the freestanding stub with its own flags and target directory, so
//! that none of its settings (panic=abort, no libc, a fixed high image base)
//! leak into the rest of the workspace, and leaves it in `OUT_DIR/stub.elf`
//! for `include_bytes!`.

use std::env;
use std::path::PathBuf;

/// Where the stub's image starts: high in the address space, far from the
/// 0x400000 of non-PIE programs and below the usual stack and mmap areas.
const STUB_IMAGE_BASE: &str = "0x7fc000000000";

include!("../build-support/freestanding.rs");

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let stub_dir = manifest.join("../stub");
    let target_dir = out.join("stub-target");
    let flags = [
        "-Crelocation-model=static",
        "-Ccode-model=large",
        "-Clink-arg=-nostartfiles",
        "-Clink-arg=-nostdlib",
        "-Clink-arg=-static",
        &format!("-Clink-arg=-Wl,--image-base={STUB_IMAGE_BASE}"),
        "-Clink-arg=-Wl,--build-id=none",
    ];
    build_freestanding(&stub_dir, &target_dir, &flags, "the stub");
    std::fs::copy(target_dir.join("release/stub"), out.join("stub.elf")).expect("copying the stub");
    for path in ["../stub/src", "../stub/Cargo.toml", "../abi/src", "../build-support", "build.rs"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
