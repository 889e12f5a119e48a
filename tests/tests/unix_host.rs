//! Unix sockets and the host: a pathname socket in the sandbox is the
//! sandbox's own, never a host socket. A host daemon's socket file seen in
//! the sandbox (through the read-only root, or a read-only bind) refuses
//! every connection and datagram, and nothing reaches the host socket. A
//! socket bound in a read-write host directory leaves a socket file there
//! that connects sandbox processes to each other, and that no host process
//! reaches the sandbox through. One bound in the overlay's upper layer
//! stays in the sandbox.

use std::io::ErrorKind;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use sandbox_tests::{compile, run_sandboxed_with, scratch_dir, Libc, Outcome, Status};

/// A fresh, empty scratch directory for this test.
fn fresh(name: &str) -> PathBuf {
    let d = scratch_dir().join(format!("sbx-unixhost-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `unix_probe ARGS` in the sandbox with `flags`; must exit 0.
fn probe(flags: &[&str], args: &[&str]) -> String {
    let bin = compile("unix_probe", Libc::Glibc);
    let out: Outcome = run_sandboxed_with(flags, &bin, args, b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "unix_probe {args:?}: {out}");
    out.stdout_text()
}

const REFUSED: &str = "stream connect: ECONNREFUSED\nseqpacket connect: ECONNREFUSED\ndgram connect: ECONNREFUSED\ndgram sendto: ECONNREFUSED\n";

#[test]
fn host_sockets_are_never_reached() {
    let dir = fresh("host");
    let stream_path = dir.join("daemon.sock");
    let dgram_path = dir.join("log.sock");
    let listener = UnixListener::bind(&stream_path).unwrap();
    listener.set_nonblocking(true).unwrap();
    let dgram = UnixDatagram::bind(&dgram_path).unwrap();
    dgram.set_nonblocking(true).unwrap();
    // Through the read-only root, where the host's directory is seen as it is.
    assert_eq!(probe(&[], &["connect", s(&stream_path)]), REFUSED);
    assert_eq!(probe(&[], &["connect", s(&dgram_path)]), REFUSED);
    // Through a read-only bind.
    let bind = format!("{}:/h:ro", s(&dir));
    assert_eq!(probe(&["--bind", &bind], &["connect", "/h/daemon.sock"]), REFUSED);
    assert_eq!(probe(&["--bind", &bind], &["connect", "/h/log.sock"]), REFUSED);
    // Through a read-write bind too.
    let bind = format!("{}:/w:rw", s(&dir));
    assert_eq!(probe(&["--bind", &bind], &["connect", "/w/daemon.sock"]), REFUSED);
    // The host sockets heard nothing.
    assert_eq!(listener.accept().map(|_| ()).unwrap_err().kind(), ErrorKind::WouldBlock, "a connection reached the host listener");
    let mut buf = [0u8; 16];
    assert_eq!(dgram.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock, "a datagram reached the host socket");
    // And they still work for the host.
    let c = UnixStream::connect(&stream_path).unwrap();
    assert!(listener.accept().is_ok());
    drop(c);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sockets_bound_in_a_read_write_host_directory() {
    let dir = fresh("rw");
    let bind = format!("{}:/w:rw", s(&dir));
    assert_eq!(probe(&["--bind", &bind], &["serve", "/w/s"]), "bound: a socket file 1\nserved a connection\n");
    // The socket file is on the host, and leads nowhere there.
    let md = std::fs::symlink_metadata(dir.join("s")).unwrap();
    assert!(md.file_type().is_socket(), "a host socket file");
    assert_eq!(UnixStream::connect(dir.join("s")).unwrap_err().kind(), ErrorKind::ConnectionRefused);
    // Left behind, it refuses in the sandbox too (its socket is gone).
    assert_eq!(probe(&["--bind", &bind], &["connect", "/w/s"]), REFUSED);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sockets_bound_in_the_overlay_stay_in_the_sandbox() {
    let dir = fresh("overlay");
    let path = dir.join("s");
    assert_eq!(probe(&[], &["serve", s(&path)]), "bound: a socket file 1\nserved a connection\n");
    assert!(!path.exists(), "the overlay's socket file reached the host");
    std::fs::remove_dir_all(&dir).unwrap();
}
