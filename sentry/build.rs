//! Builds the sandbox's freestanding vDSO with its own flags and target
//! directory (none of its settings leak into the workspace), links it into
//! a flat shared object with its linker script (`vdso/vdso.lds`), checks
//! that it needs no relocation, and leaves it in `OUT_DIR/vdso.so` for
//! `include_bytes!`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The functions the vDSO exports (kept by the link, which starts from
/// them).
const EXPORTS: [&str; 5] = ["__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_clock_getres", "__vdso_getcpu"];

include!("../build-support/freestanding.rs");

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let vdso_dir = manifest.join("../vdso");
    let target_dir = out.join("vdso-target");
    build_freestanding(&vdso_dir, &target_dir, &["-Crelocation-model=pic", "-Ccode-model=small"], "the vDSO");

    let so = out.join("vdso.so");
    let mut link = Command::new(env::var_os("CC").unwrap_or_else(|| "cc".into()));
    link.args(["-shared", "-nostdlib", "-nostartfiles", "-o"]).arg(&so);
    link.arg(target_dir.join("release/libvdso.a"));
    link.arg(format!("-Wl,-T,{}", vdso_dir.join("vdso.lds").display()));
    for sym in EXPORTS {
        link.arg(format!("-Wl,--undefined={sym}"));
    }
    link.args([
        "-Wl,-soname=linux-vdso.so.1",
        "-Wl,--hash-style=both",
        "-Wl,--build-id=none",
        "-Wl,--gc-sections",
        "-Wl,-z,noexecstack",
        "-Wl,-z,norelro",
        "-Wl,--no-undefined",
        "-Wl,-Bsymbolic",
    ]);
    let status = link.status().expect("running the linker for the vDSO");
    assert!(status.success(), "linking the vDSO failed");
    check_no_relocations(&so);
    for path in ["../vdso/src", "../vdso/Cargo.toml", "../vdso/vdso.lds", "../abi/src", "../build-support", "build.rs"] {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// Refuses an image with relocation sections that hold anything: nothing
/// relocates a vDSO once it is mapped.
fn check_no_relocations(so: &Path) {
    const SHT_RELA: u32 = 4;
    const SHT_REL: u32 = 9;
    let image = std::fs::read(so).expect("reading the vDSO");
    let word = |at: usize, n: usize| image[at..at + n].iter().rev().fold(0u64, |v, &b| (v << 8) | u64::from(b));
    let (shoff, shentsize, shnum) = (word(0x28, 8) as usize, word(0x3a, 2) as usize, word(0x3c, 2) as usize);
    for i in 0..shnum {
        let sh = shoff + i * shentsize;
        let (typ, size) = (word(sh + 4, 4) as u32, word(sh + 0x20, 8));
        assert!(!matches!(typ, SHT_RELA | SHT_REL) || size == 0, "the vDSO needs relocations (section {i}); it must not");
    }
}
