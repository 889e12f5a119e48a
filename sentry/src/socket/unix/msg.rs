//! Messages in a receive queue, and what they cost their sender.
//!
//! A message is one `sk_buff` of Linux's: a datagram or seqpacket record,
//! or a segment of a stream write. While queued it is charged to its
//! sender (`SO_SNDBUF` bounds what a sender has queued) at the size Linux
//! charges (`truesize`: the data and the buffer's overhead, as Linux's
//! allocator rounds it), so that `SIOCOUTQ` and how much a non-blocking
//! sender gets in come out as on Linux; the charge is returned, and the
//! sender's writers woken, when the message is consumed or dropped.
//!
//! Files a message carries (`SCM_RIGHTS`) are held while it is in
//! flight; the Unix sockets among them count it (see `gc`).

use std::sync::Arc;

use abi::socket::Ucred;

use super::addr::UnixAddr;
use super::UnixSocket;
use crate::vfs::{OpenFile, SharedBytes};

/// `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))`.
const SHINFO: usize = 320;
/// `SKB_DATA_ALIGN(sizeof(struct sk_buff))`.
const SKB: usize = 256;
/// A page.
const PAGE: usize = 4096;
/// `SKB_MAX_HEAD(0)`: the most data a page-sized head holds.
const MAX_HEAD: usize = PAGE - SHINFO;
/// `UNIX_SKB_FRAGS_SZ`: the most page data a stream segment has.
const STREAM_FRAGS: usize = 32768;
/// `SKB_MAX_ALLOC`: the most a datagram keeps in its head.
const MAX_ALLOC: usize = 8 * PAGE - SHINFO;
/// `MAX_SKB_FRAGS`.
const MAX_FRAGS: usize = 17;

/// What Linux's `kmalloc` allocates for `n` bytes: its size classes up
/// to 8 KiB, whole pages in powers of two above.
fn kmalloc_size(n: usize) -> usize {
    const CLASSES: [usize; 13] = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];
    match CLASSES.iter().find(|&&c| c >= n) {
        Some(&c) => c,
        None => n.div_ceil(PAGE).next_power_of_two() * PAGE,
    }
}

fn page_align(n: usize) -> usize {
    n.div_ceil(PAGE) * PAGE
}

/// The charge of a buffer with `head` bytes in its head and `pages` bytes
/// in page fragments.
fn truesize(head: usize, pages: usize) -> usize {
    kmalloc_size(head.div_ceil(64) * 64 + SHINFO) + SKB + pages
}

/// The next segment of a stream write with `rest` bytes left, from a
/// sender whose send buffer is `sndbuf`: its length and its charge
/// (`unix_stream_sendmsg`: at most half the buffer, and a head and 32 KiB
/// of pages).
pub fn stream_segment(rest: usize, sndbuf: usize) -> (usize, usize) {
    let size = rest.min((sndbuf / 2).saturating_sub(64).max(1)).min(MAX_HEAD + STREAM_FRAGS);
    let pages = size.min(page_align(size.saturating_sub(MAX_HEAD)));
    (size, truesize(size - pages, pages))
}

/// The charge of a datagram of `len` bytes (`unix_dgram_sendmsg`).
pub fn dgram_charge(len: usize) -> usize {
    let pages = if len > MAX_ALLOC { page_align((len - MAX_ALLOC).min(MAX_FRAGS * PAGE)) } else { 0 };
    truesize(len - pages, pages)
}

/// Files in flight: held by a message until it is received or dropped.
/// The Unix sockets among them count themselves in flight meanwhile.
#[derive(Default)]
pub struct InFlight {
    files: Vec<Arc<OpenFile>>,
    /// The Unix sockets of `files` (one entry per file that is one).
    sockets: Vec<Arc<UnixSocket>>,
}

impl InFlight {
    /// `files`, now in flight.
    pub fn new(files: Vec<Arc<OpenFile>>) -> InFlight {
        let mut sockets = Vec::new();
        for f in &files {
            if let Some(s) = super::unix_of(f) {
                s.note_in_flight(f);
                sockets.push(s);
            }
        }
        InFlight { files, sockets }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The Unix sockets in flight.
    pub fn sockets(&self) -> &[Arc<UnixSocket>] {
        &self.sockets
    }

    /// Hands the files to a receiver: they are no longer in flight.
    pub fn take(&mut self) -> Vec<Arc<OpenFile>> {
        for s in self.sockets.drain(..) {
            s.note_landed();
        }
        std::mem::take(&mut self.files)
    }

    /// Copies of the references (`MSG_PEEK` duplicates them).
    pub fn peek(&self) -> Vec<Arc<OpenFile>> {
        self.files.clone()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        for s in self.sockets.drain(..) {
            s.note_landed();
        }
    }
}

/// One message: a datagram, a record, or a segment of a stream.
pub struct Msg {
    /// The data.
    data: SharedBytes,
    /// How much of it a stream reader has consumed.
    pub off: usize,
    /// The files of an `SCM_RIGHTS` message.
    pub rights: InFlight,
    /// The sender's credentials, if attached.
    pub creds: Option<Ucred>,
    /// The sender's name when it sent, if it had one.
    pub from: Option<UnixAddr>,
    /// Who is charged for it, and how much.
    sender: Arc<UnixSocket>,
    charge: usize,
}

impl Msg {
    /// A message from `sender`, charged `charge` to it until dropped.
    pub fn new(sender: &Arc<UnixSocket>, data: SharedBytes, rights: InFlight, creds: Option<Ucred>, from: Option<UnixAddr>, charge: usize) -> Msg {
        sender.charge(charge);
        Msg { data, off: 0, rights, creds, from, sender: sender.clone(), charge }
    }

    /// The bytes not yet consumed.
    pub fn bytes(&self) -> &[u8] {
        &self.data.as_slice()[self.off..]
    }

    /// How many bytes are not yet consumed.
    pub fn remaining(&self) -> usize {
        self.data.as_slice().len() - self.off
    }

    /// The next `n` unconsumed bytes, shared.
    pub fn share(&self, n: usize) -> SharedBytes {
        self.data.sub(self.off..self.off + n)
    }
}

impl Drop for Msg {
    /// Returns the charge (waking the sender's writers); the files it
    /// still carries go after. Never dropped with a socket's lock held.
    fn drop(&mut self) {
        self.sender.uncharge(self.charge);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The charges Linux 6.x reports through `SIOCOUTQ` after one send.
    #[test]
    fn charges_are_linuxs() {
        let sndbuf = 212_992;
        assert_eq!(stream_segment(1, sndbuf), (1, 768));
        assert_eq!(stream_segment(256, sndbuf), (256, 1280));
        assert_eq!(stream_segment(4096, sndbuf), (4096, 4864));
        let (a, ca) = stream_segment(65536, sndbuf);
        let (b, cb) = stream_segment(65536 - a, sndbuf);
        assert_eq!((a + b, ca + cb), (65536, 67072));
        assert_eq!(dgram_charge(1), 768);
        assert_eq!(dgram_charge(256), 1280);
        assert_eq!(dgram_charge(4096), 8448);
        assert_eq!(dgram_charge(65536), 69888);
        // A small send buffer makes small segments.
        assert_eq!(stream_segment(65536, 4608).0, 2240);
        // 278 one-byte datagrams fill the default buffer.
        assert!(277 * dgram_charge(1) < sndbuf && 278 * dgram_charge(1) >= sndbuf);
    }
}
