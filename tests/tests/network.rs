//! The sandbox's networks, seen by real programs and from the host:
//!
//! - a Python `http.server` and a `urllib` client in one sandbox, on its
//!   private loopback;
//! - with `--network=host`, a server in the sandbox reached by a client on
//!   the host on 127.0.0.1, and a host server reached from the sandbox;
//! - with `--network=none` (the default), a host server on the host's
//!   127.0.0.1 is out of reach (ECONNREFUSED from the sandbox's own
//!   loopback, and the server never hears of it), and the only interface
//!   to be seen is `lo`;
//! - `sandbox-exec` refuses to start when it cannot make the private
//!   network, rather than share the host's.
//!
//! Every wait is bounded: sockets have timeouts, children are killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sandbox_tests::{run_sandboxed_with, sandbox_exec, Status};

/// How long any single wait of these tests may take.
const WAIT: Duration = Duration::from_secs(30);

fn python() -> &'static Path {
    let p = Path::new("/usr/bin/python3");
    assert!(p.is_file(), "/usr/bin/python3 is missing: install the Debian package `python3` (scripts/install-deps.sh)");
    p
}

/// Kills the child when dropped (a failed assertion must not leave a
/// sandbox behind).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for the child to exit, at most [`WAIT`].
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        assert!(start.elapsed() < WAIT, "the sandbox did not exit within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

const HTTP_SCRIPT: &str = r#"
import http.server, os, socketserver, threading, urllib.request
os.makedirs("/tmp/www", exist_ok=True)
os.chdir("/tmp/www")
with open("hello.txt", "w") as f:
    f.write("hello over http\n" * 1000)
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
port = server.server_address[1]
threading.Thread(target=server.serve_forever, daemon=True).start()
for _ in range(3):
    with urllib.request.urlopen("http://127.0.0.1:%d/hello.txt" % port, timeout=20) as r:
        body = r.read().decode()
        print(r.status, r.headers["Content-Length"], body.count("hello over http"))
try:
    urllib.request.urlopen("http://127.0.0.1:%d/missing" % port, timeout=20)
except urllib.error.HTTPError as e:
    print("missing:", e.code)
server.shutdown()
print("done")
"#;

#[test]
fn python_http_server_and_client_in_one_sandbox() {
    let out = run_sandboxed_with(&[], python(), &["-c", HTTP_SCRIPT], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "200 16000 1000\n200 16000 1000\n200 16000 1000\nmissing: 404\ndone\n", "{out}");
}

/// A server in the sandbox on the host's network: it prints its port, then
/// answers one line with the line upper-cased.
const SERVER_SCRIPT: &str = r#"
import socket, sys
s = socket.socket()
s.settimeout(30)
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.settimeout(30)
line = c.makefile("rb").readline()
c.sendall(line.upper())
c.close()
print("served", flush=True)
"#;

#[test]
fn host_network_a_host_client_reaches_a_server_in_the_sandbox() {
    let child = Command::new(sandbox_exec())
        .args(["--network=host"])
        .arg(python())
        .args(["-c", SERVER_SCRIPT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start sandbox-exec");
    let mut child = Killed(child);
    let mut out = BufReader::new(child.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("the port");
    let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("not a port: {line:?}"));
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect from the host");
    conn.set_read_timeout(Some(WAIT)).unwrap();
    conn.write_all(b"hello from the host\n").unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).expect("the reply");
    assert_eq!(reply, "HELLO FROM THE HOST\n");
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "served\n");
    assert!(wait_exit(&mut child.0).success());
}

/// A client in the sandbox: connects to the port given, sends a line and
/// prints the reply, or the error's name.
const CLIENT_SCRIPT: &str = r#"
import errno, socket, sys
try:
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
    c.sendall(b"ping from the sandbox\n")
    print(c.makefile("rb").readline().decode(), end="")
except OSError as e:
    print("error", errno.errorcode.get(e.errno, e.errno))
"#;

/// A host server that answers one line upper-cased; returns its port and
/// the thread, which yields whether a connection came.
fn host_server() -> (u16, std::thread::JoinHandle<bool>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind on the host");
    let port = l.local_addr().unwrap().port();
    l.set_nonblocking(true).unwrap();
    let h = std::thread::spawn(move || {
        let start = Instant::now();
        loop {
            match l.accept() {
                Ok((mut c, _)) => {
                    c.set_nonblocking(false).unwrap();
                    c.set_read_timeout(Some(WAIT)).unwrap();
                    let mut line = String::new();
                    BufReader::new(c.try_clone().unwrap()).read_line(&mut line).unwrap();
                    c.write_all(line.to_uppercase().as_bytes()).unwrap();
                    return true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if start.elapsed() > Duration::from_secs(5) {
                        return false;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
    });
    (port, h)
}

#[test]
fn host_network_a_client_in_the_sandbox_reaches_a_host_server() {
    let (port, server) = host_server();
    let out = run_sandboxed_with(&["--network=host"], python(), &["-c", CLIENT_SCRIPT, &port.to_string()], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "PING FROM THE SANDBOX\n", "{out}");
    assert!(server.join().unwrap(), "the host server saw no connection");
}

#[test]
fn private_network_cannot_reach_a_host_server() {
    let (port, server) = host_server();
    let out = run_sandboxed_with(&[], python(), &["-c", CLIENT_SCRIPT, &port.to_string()], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "error ECONNREFUSED\n", "{out}");
    assert!(!server.join().unwrap(), "the host server was reached from --network=none");
    // The explicit flag is the same network.
    let out = run_sandboxed_with(&["--network=none"], python(), &["-c", CLIENT_SCRIPT, "9"], b"", &[]);
    assert_eq!(out.stdout_text(), "error ECONNREFUSED\n", "{out}");
}

const INTERFACES_SCRIPT: &str = r#"
import socket
print(socket.if_nameindex())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for host in ("192.0.2.1", "8.8.8.8"):
    try:
        s.connect((host, 53))
        print(host, "routed")
    except OSError as e:
        print(host, e.strerror)
"#;

#[test]
fn private_network_shows_only_loopback() {
    let out = run_sandboxed_with(&[], python(), &["-c", INTERFACES_SCRIPT], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    assert_eq!(out.stdout_text(), "[(1, 'lo')]\n192.0.2.1 Network is unreachable\n8.8.8.8 Network is unreachable\n", "{out}");
    let ip = Path::new("/usr/sbin/ip");
    if ip.is_file() {
        let out = run_sandboxed_with(&[], ip, &["-o", "link"], b"", &[]);
        assert_eq!(out.status, Status::Exited(0), "{out}");
        let text = out.stdout_text();
        assert_eq!(text.lines().count(), 1, "{out}");
        assert!(text.starts_with("1: lo: <LOOPBACK,UP,LOWER_UP>"), "{out}");
        let out = run_sandboxed_with(&[], ip, &["addr", "add", "10.9.9.9/24", "dev", "lo"], b"", &[]);
        assert_eq!(out.status, Status::Exited(2), "{out}");
        assert!(out.stderr_text().contains("Operation not permitted"), "{out}");
    }
}

#[test]
fn sandbox_exec_refuses_to_start_without_a_private_network() {
    // As a user who may not make a network namespace.
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"])
        .arg(sandbox_exec())
        .arg("/bin/true")
        .stdin(Stdio::null())
        .output()
        .expect("run setpriv (util-linux)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(126), "{err}");
    assert!(err.contains("private network") && err.contains("--network=host"), "{err}");
}
