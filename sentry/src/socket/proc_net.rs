//! `/proc/net/tcp`, `tcp6`, `udp` and `udp6`: the host's tables of the
//! sentry's network namespace, cut down to the sandbox's own sockets.
//!
//! Every IP socket of the sandbox is a host socket the sentry holds
//! ([`super::inet`]), so the host already keeps these tables. Each line
//! the host shows is kept only if its inode is one of those sockets, and
//! then shows the sandbox's inode number and the creator's uid in the
//! sandbox; the kernel address column reads zero, as it does for an
//! unprivileged reader. A host socket the sandbox does not hold (with
//! `--network=host`, every other program's) never shows, nor does a
//! connection in TIME_WAIT, which no longer has an inode.

use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use crate::kernel::Kernel;

/// The files made here, named as in `/proc/net`.
const FILES: [&str; 4] = ["tcp", "tcp6", "udp", "udp6"];

/// What a line shows of a sandbox socket.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shown {
    /// The sandbox's inode number.
    ino: u64,
    /// The creator's filesystem uid in the sandbox.
    uid: u32,
}

/// The sandbox's IP sockets, by their sandbox inode number: each host
/// socket, asked its host inode number only when a file is read (never
/// on the paths that make sockets). A leaf in the lock order.
#[derive(Default)]
pub struct Table {
    sockets: Mutex<HashMap<u64, (Weak<OwnedFd>, u32)>>,
}

/// A socket's place in the [`Table`], given up when dropped.
pub struct Entry {
    table: Weak<Table>,
    ino: u64,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(table) = self.table.upgrade() {
            table.sockets.lock().remove(&self.ino);
        }
    }
}

impl Table {
    /// Records host socket `fd` as the sandbox's socket `ino`, made by
    /// `uid`.
    pub fn add(self: &Arc<Table>, fd: &Arc<OwnedFd>, ino: u64, uid: u32) -> Entry {
        self.sockets.lock().insert(ino, (Arc::downgrade(fd), uid));
        Entry { table: Arc::downgrade(self), ino }
    }

    /// `/proc/net/NAME` now.
    fn render(&self, name: &str) -> Vec<u8> {
        let sockets: Vec<(u64, Weak<OwnedFd>, u32)> = self.sockets.lock().iter().map(|(&ino, (fd, uid))| (ino, fd.clone(), *uid)).collect();
        let by_host_ino: HashMap<u64, Shown> = sockets
            .into_iter()
            .filter_map(|(ino, fd, uid)| {
                let host_ino = nix::sys::stat::fstat(fd.upgrade()?.as_fd()).ok()?.st_ino;
                Some((host_ino, Shown { ino, uid }))
            })
            .collect();
        let host = std::fs::read_to_string(format!("/proc/thread-self/net/{name}")).unwrap_or_default();
        rewrite(&host, |host_ino| by_host_ino.get(&host_ino).copied()).into_bytes()
    }
}

/// The kernel's table of IP sockets.
pub fn table(kernel: &Kernel) -> Arc<Table> {
    kernel.net.state::<Table>()
}

/// Shows the files for `kernel`.
pub fn attach(kernel: &Arc<Kernel>) {
    let weak = Arc::downgrade(&table(kernel));
    for name in FILES {
        let weak = weak.clone();
        kernel.net.register_proc_file(name, Arc::new(move || weak.upgrade().map(|t| t.render(name)).unwrap_or_default()));
    }
}

/// The host's table `host` with only the lines whose inode `lookup`
/// knows, renumbered, each showing the sandbox's uid and inode and a zero
/// kernel address. The header, and the widths of the columns, stay.
fn rewrite(host: &str, lookup: impl Fn(u64) -> Option<Shown>) -> String {
    let mut lines = host.lines();
    let mut out = String::with_capacity(host.len());
    if let Some(header) = lines.next() {
        out.push_str(header);
        out.push('\n');
    }
    let mut n = 0;
    for line in lines {
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer [more]
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(width), true) = (line.find(':'), f.len() >= 12) else { continue };
        let Some(shown) = f[9].parse().ok().and_then(&lookup) else { continue };
        let zero = "0".repeat(f[11].len());
        out.push_str(&format!("{n:>width$}: {} {:>5} {:>8} {} {} {zero}", f[1..7].join(" "), shown.uid, f[8], shown.ino, f[10]));
        for more in &f[12..] {
            out.push(' ');
            out.push_str(more);
        }
        out.push('\n');
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST_TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5551 1 ffff8880deadbeef 100 0 0 10 0
   1: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 777 1 ffff8880cafebabe 100 0 0 10 0
   2: 0100007F:9C40 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 ffff8880feedface
";

    #[test]
    fn only_the_sandboxs_sockets_show_with_its_numbers() {
        let text = rewrite(HOST_TCP, |ino| (ino == 777).then_some(Shown { ino: 42, uid: 1000 }));
        let want = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 42 1 0000000000000000 100 0 0 10 0
";
        assert_eq!(text, want);
    }

    #[test]
    fn nothing_known_leaves_the_header_and_bad_lines_are_skipped() {
        assert_eq!(rewrite(HOST_TCP, |_| None), HOST_TCP.lines().next().unwrap().to_string() + "\n");
        assert_eq!(rewrite("h\nshort line\n", |_| Some(Shown { ino: 1, uid: 0 })), "h\n");
        assert_eq!(rewrite("", |_| None), "");
    }

    #[test]
    fn udp_keeps_its_wider_slot_column() {
        let host = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 1234: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 ffff888012345678 0
";
        let text = rewrite(host, |_| Some(Shown { ino: 7, uid: 0 }));
        assert!(text.ends_with("\n    0: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7 2 0000000000000000 0\n"), "{text}");
    }
}
