//! Collecting Unix sockets that only messages in flight keep: a socket
//! sent over itself, or a ring of sockets each in flight in the next's
//! queue, whose descriptors are all closed, can never be read from again,
//! yet its file is held by a message in its own (or the ring's) queue, so
//! it is never released. Linux's garbage collector (`unix_gc`, in its
//! classic form) finds them; so does [`collect`], run when a Unix socket
//! is released while any socket is in flight.
//!
//! A candidate is a socket in flight whose every reference is a message
//! in flight: its file is held by nothing else (no descriptor, no other
//! open description, no call in progress). Candidates that a message in
//! the queue of a socket outside the candidates holds are reachable, and
//! so is every candidate a reachable one's queue holds; the rest are
//! garbage, and their queues are emptied, which releases them (and
//! closes whatever else those messages held).
//!
//! A collection takes each socket's state alone, and drops what it takes
//! out of the queues with nothing held; it runs one at a time (a release
//! it causes does not start another).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::ns::Namespace;
use super::{dispose, Disposal, UnixSocket};

/// Whether every reference to `s` is a message in flight.
fn only_in_flight(s: &UnixSocket) -> bool {
    let n = s.in_flight.load(Ordering::Acquire);
    if n == 0 {
        return false;
    }
    let Some(file) = s.file.lock().upgrade() else { return false };
    // The upgrade holds one reference; no call may hold the socket.
    let calls = super::super::socket_of(&file).map_or(usize::MAX, |sf| Arc::strong_count(sf.socket()));
    Arc::strong_count(&file) - 1 == n && calls == 1
}

/// The Unix sockets the messages queued at `s` carry (and, for a
/// listener, those queued at its connections not yet accepted).
fn carried(s: &UnixSocket) -> Vec<Arc<UnixSocket>> {
    let (mut out, pending): (Vec<Arc<UnixSocket>>, Vec<Arc<UnixSocket>>) = {
        let g = s.inner.lock();
        (g.recv.iter().flat_map(|m| m.rights.sockets().iter().cloned()).collect(), g.pending.iter().cloned().collect())
    };
    for p in pending {
        let g = p.inner.lock();
        out.extend(g.recv.iter().flat_map(|m| m.rights.sockets().iter().cloned()));
    }
    out
}

/// Finds the sockets only unreachable messages in flight keep, and
/// empties their queues.
pub fn collect(ns: &Namespace) {
    if ns.in_flight.load(Ordering::Acquire) == 0 {
        return;
    }
    let Some(guard) = ns.gc.try_lock() else { return };
    let candidates: Vec<Arc<UnixSocket>> = ns.sockets().into_iter().filter(|s| only_in_flight(s)).collect();
    if candidates.is_empty() {
        return;
    }
    let index: HashMap<*const UnixSocket, usize> = candidates.iter().enumerate().map(|(i, s)| (Arc::as_ptr(s), i)).collect();
    let edges: Vec<Vec<usize>> = candidates.iter().map(|s| carried(s).iter().filter_map(|c| index.get(&Arc::as_ptr(c)).copied()).collect()).collect();
    // References from candidates' queues; any beyond them come from
    // outside, and make a candidate reachable.
    let mut internal = vec![0usize; candidates.len()];
    for e in edges.iter().flatten() {
        internal[*e] += 1;
    }
    let mut live: Vec<bool> = candidates.iter().zip(&internal).map(|(s, &n)| s.in_flight.load(Ordering::Acquire) > n).collect();
    let mut stack: Vec<usize> = (0..candidates.len()).filter(|&i| live[i]).collect();
    while let Some(i) = stack.pop() {
        for &j in &edges[i] {
            if !live[j] {
                live[j] = true;
                stack.push(j);
            }
        }
    }
    let mut garbage = Disposal::default();
    for (s, _) in candidates.iter().zip(&live).filter(|(_, &l)| !l) {
        let mut g = s.inner.lock();
        garbage.msgs.extend(g.recv.drain(..));
        garbage.embryos.extend(g.pending.drain(..));
    }
    // Held while the garbage goes, so that the releases it causes do not
    // collect again.
    dispose(garbage);
    drop(guard);
}
