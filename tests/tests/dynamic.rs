//! Dynamically linked programs.
//!
//! - Test programs of `tests/c` built without `-static` (glibc's
//!   `ld-linux-x86-64.so.2` and `libc.so.6` from the host), compared with
//!   the native run: a selection of the static conformance programs, and
//!   the `dyn_*` programs that test what only dynamic linking has (dlopen,
//!   dl_iterate_phdr, TLS of shared libraries, AT_BASE, NSS modules,
//!   posix_spawn, vfork, LD_PRELOAD and LD_LIBRARY_PATH, the maps of the
//!   libraries).
//! - Programs started through the dynamic loader named on the command line
//!   (`ld.so PROGRAM`): `ld.so` is itself a static PIE, and it maps the
//!   program and its libraries with `mmap` of their descriptors, so this
//!   exercises file mappings end to end.

use std::path::Path;

use sandbox_tests::{
    assert_same_run, compile, compile_shared, dynamic_conformance, run_both, scratch_dir, Case, Libc, Status,
};

dynamic_conformance! {
    // The static conformance programs, linked dynamically.
    hello => Case::new().args(["a", "b c", ""]).env("SBX_TEST_A", "value a").env("SBX_TEST_B", ""),
    exit_code_3 = exit_code => Case::new().args(["3"]).expect(Status::Exited(3)),
    auxv,
    null_deref => Case::new().expect(Status::Signaled(11)),
    identity,
    proc_self_exe,
    getcwd,
    stdio_stat => Case::new().stdin("input line\n"),
    fork_wait,
    exec,
    pipe,
    threads,
    thread_exec,
    thread_exit_group => Case::new().expect(Status::Exited(3)),
    futex,
    mutex_kinds,
    sig_handler,
    sig_fault,
    sig_altstack,
    sig_threads,
    time_clocks,
    vfs_mmap,
    vfs_proc,
    proc_pid,
    fast_path,
    sock_notsock,
    proc_auxv,
    // What only dynamically linked programs have.
    dyn_dlopen => Case::new().clean_env(),
    dyn_phdr => Case::new().clean_env(),
    dyn_tls => Case::new().clean_env(),
    dyn_getauxval => Case::new().clean_env(),
    dyn_nss => Case::new().clean_env(),
    dyn_spawn_basic = dyn_spawn => Case::new().clean_env().args(["basic"]),
    dyn_spawn_errors = dyn_spawn => Case::new().clean_env().args(["errors"]),
    dyn_vfork_exec = dyn_vfork => Case::new().clean_env().args(["exec"]),
    dyn_vfork_memory = dyn_vfork => Case::new().clean_env().args(["memory"]),
    dyn_maps => Case::new().clean_env(),
}

/// LD_PRELOAD interposes getenv with a library the test builds into its
/// scratch directory, LD_LIBRARY_PATH finds another one for dlopen by bare
/// name (with a thread-local variable in dynamic TLS), and both carry over
/// an exec; without the variables neither happens.
#[test]
fn ld_preload_and_library_path() {
    let dir = scratch_dir().join("dyn_preload");
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    let preload = compile_shared("sbx_preload", "libsbxpreload.so", &dir);
    compile_shared("sbx_dep", "libsbxdep.so", &dir);
    let bin = compile("dyn_preload", Libc::GlibcDynamic);

    let plain = assert_same_run("dyn_preload without LD_PRELOAD", &bin, &Case::new().clean_env());
    let mut want = String::new();
    for who in ["first image", "after exec"] {
        want += &format!(
            "{who}: getenv(SBX_PRELOAD_PROBE) = (null)\n{who}: getenv(SBX_PRELOAD_OTHER) = (null)\n\
             {who}: the preloaded library is not loaded\n{who}: dlopen(libsbxdep.so) fails\n"
        );
    }
    assert_eq!(plain.stdout_text(), want, "without LD_PRELOAD (native)");

    let case = Case::new()
        .clean_env()
        .env("LD_PRELOAD", preload.to_str().expect("a UTF-8 path"))
        .env("LD_LIBRARY_PATH", dir.to_str().expect("a UTF-8 path"))
        .env("SBX_PRELOAD_OTHER", "other");
    let with = assert_same_run("dyn_preload with LD_PRELOAD and LD_LIBRARY_PATH", &bin, &case);
    let mut want = String::new();
    for who in ["first image", "after exec"] {
        want += &format!(
            "{who}: getenv(SBX_PRELOAD_PROBE) = interposed by the preloaded library\n\
             {who}: getenv(SBX_PRELOAD_OTHER) = other\n\
             {who}: the preloaded library is loaded\n{who}: it answered 1 time(s)\n\
             {who}: dlopen(libsbxdep.so) through LD_LIBRARY_PATH: sbx_dep_value() = 7\n\
             {who}: the library's thread-local variable is each thread's own\n"
        );
    }
    assert_eq!(with.stdout_text(), want, "with LD_PRELOAD (native)");
}

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
