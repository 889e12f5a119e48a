//! Sending and receiving: Linux's `unix_stream_sendmsg`,
//! `unix_dgram_sendmsg` (which seqpacket sockets use too),
//! `unix_stream_read_generic` and `__unix_dgram_recvmsg`, and the sleep
//! every blocking call of a Unix socket shares.

use std::sync::Arc;

use abi::errno::{EAGAIN, ECONNREFUSED, ECONNRESET, EINTR, EINVAL, EMSGSIZE, ENOTCONN, EOPNOTSUPP, EPERM, EPIPE, ERESTARTNOHAND, ETIMEDOUT};
use abi::socket::{msg as mf, sock, Ucred};
use abi::Errno;

use super::addr::{self, UnixAddr};
use super::msg::{dgram_charge, stream_segment, InFlight, Msg};
use super::opts::Wait;
use super::{is, scm_creds_of, State, UnixSocket, RCV_SHUTDOWN, SEND_SHUTDOWN};
use crate::kernel::task::Task;
use crate::socket::Outgoing;
use crate::vfs::{Context as _, OpenFile, SharedBytes};
use crate::waiter::{events, wait_on, WaitQueue};

/// Where received data goes.
pub trait Sink {
    /// Appends the next `n` unconsumed bytes of `m`.
    fn put(&mut self, m: &Msg, n: usize);
}

/// Received data into a growing vector (`recvmsg`).
pub struct VecSink<'a>(pub &'a mut Vec<u8>);

impl Sink for VecSink<'_> {
    fn put(&mut self, m: &Msg, n: usize) {
        self.0.extend_from_slice(&m.bytes()[..n]);
    }
}

/// Received data into the caller's buffer (`read`).
pub struct BufSink<'a> {
    /// The buffer.
    pub buf: &'a mut [u8],
    /// How much of it is filled.
    pub at: usize,
}

impl Sink for BufSink<'_> {
    fn put(&mut self, m: &Msg, n: usize) {
        let n = n.min(self.buf.len() - self.at);
        self.buf[self.at..self.at + n].copy_from_slice(&m.bytes()[..n]);
        self.at += n;
    }
}

/// Received data as shares of the queued messages' buffers, copied by
/// the caller straight to the app (a large `read`).
#[derive(Default)]
pub struct SharedSink(pub Vec<SharedBytes>);

impl Sink for SharedSink {
    fn put(&mut self, m: &Msg, n: usize) {
        if n > 0 {
            self.0.push(m.share(n));
        }
    }
}

/// What a receive got besides its data.
#[derive(Default)]
pub struct Received {
    /// The length of what was read: the bytes taken from a stream, the
    /// whole length of a datagram (more than was taken if it was cut).
    pub len: usize,
    /// The sender's name.
    pub from: Option<UnixAddr>,
    /// The files that came with it.
    pub rights: Vec<Arc<OpenFile>>,
    /// The credentials that came with it.
    pub creds: Option<Ucred>,
}

/// Sleeps the caller on `queue` (for the events in `mask`) until
/// `ready()`, as long as `wait` allows: `EAGAIN` at once for
/// [`Wait::No`] and when the timeout passes; `EINTR` when a signal or a
/// kill interrupts the sleep, or `ERESTARTNOHAND` under a timeout (Linux's
/// `sock_intr_errno`: a timed socket call is not restarted after a
/// handler).
pub fn sleep(t: &Task, queue: &WaitQueue, mask: u32, wait: Wait, mut ready: impl FnMut() -> bool) -> Result<(), Errno> {
    let deadline = match wait {
        Wait::No => return Err(EAGAIN),
        Wait::Until(at) => Some(at),
        Wait::Forever => None,
    };
    // The peer usually acts within a few microseconds: polling that long,
    // giving up the core between polls, costs less than a sleep and a
    // wake-up (an eventfd write, a ppoll return, and on a virtual machine
    // an interrupt between CPUs, tens of microseconds).
    let start = std::time::Instant::now();
    while start.elapsed() < SPIN {
        if ready() {
            return Ok(());
        }
        if t.waiter.is_interrupted() {
            break;
        }
        std::thread::yield_now();
    }
    match wait_on(&t.waiter, || t.is_killed(), queue, mask, deadline, ready) {
        Ok(()) => Ok(()),
        Err(ETIMEDOUT) => Err(EAGAIN),
        Err(_) if deadline.is_some() => Err(ERESTARTNOHAND),
        Err(_) => Err(EINTR),
    }
}

/// How long a blocking call polls (yielding its core between polls)
/// before it sleeps: about what a peer's next step takes in a busy
/// transfer (measured on the 2-core VM: 20 us beat 0, 10, 30 and 50).
const SPIN: std::time::Duration = std::time::Duration::from_micros(20);

/// The events a reader waits for.
const READ_EVENTS: u32 = events::IN | events::RDNORM | events::RDHUP | events::HUP | events::ERR;
/// The events a writer waits for.
const WRITE_EVENTS: u32 = events::OUT | events::WRNORM | events::WRBAND | events::HUP | events::ERR;

impl UnixSocket {
    /// Sends `msg`; returns the bytes sent.
    pub(super) fn send(self: &Arc<Self>, t: &mut Task, msg: Outgoing<'_>, nonblock: bool) -> Result<usize, Errno> {
        match self.ty {
            sock::STREAM => self.stream_send(t, msg, None, nonblock),
            _ => self.dgram_send(t, msg, None, nonblock),
        }
    }

    /// Sends `data` as a `write` does, taking the buffer: what is queued
    /// shares it rather than copying it.
    pub(super) fn send_buf(self: &Arc<Self>, t: &mut Task, data: Vec<u8>, nonblock: bool) -> Result<usize, Errno> {
        let data = Arc::new(data);
        let msg = Outgoing::plain(&data);
        match self.ty {
            sock::STREAM => self.stream_send(t, msg, Some(&data), nonblock),
            _ => self.dgram_send(t, msg, Some(&data), nonblock),
        }
    }

    /// Waits until the socket may queue another message
    /// (`sock_alloc_send_pskb`): what it has queued is below `SO_SNDBUF`.
    /// A pending error ends the wait with that error, a shutdown for
    /// writing with `EPIPE`.
    fn wait_for_room(&self, t: &Task, wait: Wait) -> Result<(), Errno> {
        loop {
            {
                let mut g = self.inner.lock();
                if let Some(e) = g.err.take() {
                    return Err(e);
                }
                if g.shutdown & SEND_SHUTDOWN != 0 {
                    return Err(EPIPE);
                }
            }
            if self.has_room() {
                return Ok(());
            }
            let ready = || {
                let g = self.inner.lock();
                g.err.is_some() || g.shutdown & SEND_SHUTDOWN != 0 || self.has_room()
            };
            sleep(t, &self.queue, super::ROOM | WRITE_EVENTS, wait, ready)?;
        }
    }

    /// Whether what is queued is below `SO_SNDBUF`.
    fn has_room(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.wmem.load(Relaxed) < self.sndbuf.load(Relaxed)
    }

    /// A stream write: segments of at most half `SO_SNDBUF` queued to the
    /// peer while there is room; the files go with the first. Returns
    /// what was queued before an error, a signal or a full non-blocking
    /// socket stopped it (the error if nothing was). With `shared`, the
    /// buffer `msg.data` is, the segments share it.
    fn stream_send(self: &Arc<Self>, t: &mut Task, msg: Outgoing<'_>, shared: Option<&Arc<Vec<u8>>>, nonblock: bool) -> Result<usize, Errno> {
        if msg.flags & mf::OOB != 0 {
            return Err(EOPNOTSUPP);
        }
        let (state, peer, shutdown, passcred, wait, from) = {
            let g = self.inner.lock();
            (g.state, g.peer.clone(), g.shutdown, g.opts.passcred, Wait::of(nonblock, g.opts.sndtimeo), g.addr.clone())
        };
        if msg.to.is_some_and(|a| !a.is_empty()) {
            return Err(if state == State::Established { abi::errno::EISCONN } else { EOPNOTSUPP });
        }
        let other = peer.ok_or(ENOTCONN)?;
        if shutdown & SEND_SHUTDOWN != 0 {
            return Err(EPIPE);
        }
        let mine = scm_creds_of(t);
        let data = msg.data;
        let mut rights = Some(InFlight::new(msg.rights));
        let mut sent = 0;
        while sent < data.len() {
            if let Err(e) = self.wait_for_room(t, wait) {
                return if sent > 0 { Ok(sent) } else { Err(e) };
            }
            let sndbuf = self.sndbuf.load(std::sync::atomic::Ordering::Relaxed);
            let (size, charge) = stream_segment(data.len() - sent, sndbuf);
            let chunk = match shared {
                Some(buf) => SharedBytes::part(buf, sent..sent + size),
                None => SharedBytes::own(data[sent..sent + size].to_vec()),
            };
            {
                let mut o = other.inner.lock();
                if o.dead || o.shutdown & RCV_SHUTDOWN != 0 {
                    return if sent > 0 { Ok(sent) } else { Err(EPIPE) };
                }
                let creds = msg.creds.or_else(|| (passcred || o.embryo || o.opts.passcred).then_some(mine));
                let m = Msg::new(self, chunk, rights.take().unwrap_or_default(), creds, from.clone(), charge);
                o.recv.push_back(m);
            }
            other.queue.notify(events::IN | events::RDNORM);
            sent += size;
        }
        Ok(sent)
    }

    /// A datagram (or seqpacket record): to the address given, else to
    /// the peer; waits while the receiver's queue is full of messages
    /// from others. With `shared`, the buffer `msg.data` is, the message
    /// shares it.
    fn dgram_send(self: &Arc<Self>, t: &mut Task, msg: Outgoing<'_>, shared: Option<&Arc<Vec<u8>>>, nonblock: bool) -> Result<usize, Errno> {
        let seqpacket = self.ty == sock::SEQPACKET;
        if seqpacket {
            let mut g = self.inner.lock();
            if let Some(e) = g.err.take() {
                return Err(e);
            }
            if g.state != State::Established {
                return Err(ENOTCONN);
            }
        }
        if msg.flags & mf::OOB != 0 {
            return Err(EOPNOTSUPP);
        }
        let to = if seqpacket { None } else { msg.to.filter(|a| !a.is_empty()) };
        let target = to.map(addr::parse).transpose()?;
        self.autobind_if_passcred()?;
        let len = msg.data.len();
        let sndbuf = self.sndbuf.load(std::sync::atomic::Ordering::Relaxed);
        if len > sndbuf.saturating_sub(32) {
            return Err(EMSGSIZE);
        }
        let (passcred, wait, from) = {
            let g = self.inner.lock();
            (g.opts.passcred, Wait::of(nonblock, g.opts.sndtimeo), g.addr.clone())
        };
        self.wait_for_room(t, wait)?;
        let mut other = match target {
            Some(_) => None,
            None => Some(self.inner.lock().peer.clone().ok_or(ENOTCONN)?),
        };
        let mine = scm_creds_of(t);
        let data = match shared {
            Some(buf) => SharedBytes::part(buf, 0..len),
            None => SharedBytes::own(msg.data.to_vec()),
        };
        let mut payload = Some((data, InFlight::new(msg.rights)));
        loop {
            let o = match other.take() {
                Some(o) => o,
                None => match target {
                    Some(tg) => self.find_other(t, tg)?,
                    None => return Err(ECONNRESET),
                },
            };
            let mut og = o.inner.lock();
            if !(og.peer.is_none() || is(&og.peer, self)) {
                return Err(EPERM);
            }
            if og.dead {
                drop(og);
                if seqpacket {
                    return Err(EPIPE);
                }
                let was_peer = {
                    let mut g = self.inner.lock();
                    let was = is(&g.peer, &o);
                    if was {
                        g.peer = None;
                        g.state = State::Close;
                        g.relay = None;
                    }
                    was
                };
                if was_peer {
                    self.dgram_disconnected(&o);
                    self.queue.notify(events::OUT | events::WRNORM | events::WRBAND);
                    return Err(ECONNREFUSED);
                }
                // Released since it was found: look the address up again.
                continue;
            }
            if og.shutdown & RCV_SHUTDOWN != 0 {
                return Err(EPIPE);
            }
            if !Arc::ptr_eq(&o, self) && !is(&og.peer, self) && og.recv.len() > og.backlog {
                drop(og);
                if wait == Wait::No {
                    if is(&self.inner.lock().peer, &o) {
                        self.arm_relay(&o);
                    }
                    return Err(EAGAIN);
                }
                let room = || !o.queue_full_for(self) || o.inner.lock().shutdown & RCV_SHUTDOWN != 0;
                sleep(t, &o.peer_wait, events::ALL, wait, room)?;
                other = Some(o);
                continue;
            }
            let creds = msg.creds.or_else(|| (passcred || og.embryo || og.opts.passcred).then_some(mine));
            let (data, rights) = payload.take().unwrap_or_default();
            og.recv.push_back(Msg::new(self, data, rights, creds, from, dgram_charge(len)));
            drop(og);
            o.queue.notify(events::IN | events::RDNORM);
            return Ok(len);
        }
    }

    /// Receives at most `want` bytes into `out`, as `flags` say.
    pub(super) fn recv(self: &Arc<Self>, t: &mut Task, want: usize, flags: u32, nonblock: bool, out: &mut dyn Sink) -> Result<Received, Errno> {
        match self.ty {
            sock::STREAM => self.stream_recv(t, want, flags, nonblock, out),
            _ => self.dgram_recv(t, want, flags, nonblock, out),
        }
    }

    /// A stream read: what is queued, up to `want` bytes, waiting until
    /// there is at least `SO_RCVLOWAT` (all of `want` with
    /// `MSG_WAITALL`), the end of the stream, an error, or a signal. It
    /// stops after files (so they are not mixed with later data), and,
    /// when passing credentials, before data of other credentials.
    /// `MSG_PEEK` copies what is there without taking it.
    fn stream_recv(self: &Arc<Self>, t: &mut Task, want: usize, flags: u32, nonblock: bool, out: &mut dyn Sink) -> Result<Received, Errno> {
        let (lowat, passcred, wait) = {
            let g = self.inner.lock();
            if g.state != State::Established {
                return Err(EINVAL);
            }
            (g.opts.rcvlowat, g.opts.passcred, Wait::of(nonblock, g.opts.rcvtimeo))
        };
        if flags & mf::OOB != 0 {
            // No out-of-band byte is ever queued.
            return Err(EINVAL);
        }
        let peek = flags & mf::PEEK != 0;
        // At least a byte (`sock_rcvlowat`): a receive of nothing waits
        // for data, then returns 0.
        let target = if flags & mf::WAITALL != 0 { want } else { lowat.min(want) }.max(1);
        let mut r = Received::default();
        let mut copied = 0;
        // The credentials of the data taken so far, when passing them.
        let mut glue: Option<Option<Ucred>> = None;
        let mut consumed: Vec<Msg> = Vec::new();
        let mut reading = Some(self.io_lock.lock());
        let result = loop {
            if reading.is_none() {
                reading = Some(self.io_lock.lock());
            }
            let mut g = self.inner.lock();
            if g.recv.is_empty() {
                if copied >= target {
                    break Ok(());
                }
                if let Some(e) = g.err.take() {
                    break Err(e);
                }
                if g.shutdown & RCV_SHUTDOWN != 0 {
                    break Ok(());
                }
                drop(g);
                reading = None;
                // What was read is given back before sleeping: the writer
                // may be waiting for that room.
                consumed.clear();
                let ready = || {
                    let g = self.inner.lock();
                    !g.recv.is_empty() || g.err.is_some() || g.shutdown & RCV_SHUTDOWN != 0
                };
                match sleep(t, &self.queue, READ_EVENTS, wait, ready) {
                    Ok(()) => continue,
                    Err(e) => break Err(e),
                }
            }
            let mut stop = false;
            let mut i = 0;
            while copied < want && i < g.recv.len() {
                let m = &mut g.recv[i];
                match &glue {
                    Some(c) if *c != m.creds => {
                        stop = true;
                        break;
                    }
                    Some(_) => {}
                    None if passcred => {
                        glue = Some(m.creds);
                        r.creds = m.creds;
                    }
                    None => {}
                }
                if m.from.is_some() {
                    r.from.clone_from(&m.from);
                }
                let n = m.remaining().min(want - copied);
                out.put(m, n);
                copied += n;
                if peek {
                    i += 1;
                    if !m.rights.is_empty() {
                        r.rights = m.rights.peek();
                        stop = true;
                        break;
                    }
                    continue;
                }
                m.off += n;
                let had_rights = !m.rights.is_empty();
                if had_rights {
                    r.rights = m.rights.take();
                }
                if m.remaining() > 0 {
                    stop = true;
                    break;
                }
                if let Some(done) = g.recv.pop_front() {
                    consumed.push(done);
                }
                if had_rights {
                    stop = true;
                    break;
                }
            }
            if peek || stop || copied >= want {
                break Ok(());
            }
        };
        drop(reading);
        drop(consumed);
        match result {
            Err(e) if copied == 0 => Err(e),
            _ => {
                r.len = copied;
                Ok(r)
            }
        }
    }

    /// A datagram or seqpacket read: one message, of which at most `want`
    /// bytes are copied (its whole length is reported). A seqpacket
    /// socket must be connected (`ENOTCONN`); at its end it reads 0.
    fn dgram_recv(self: &Arc<Self>, t: &mut Task, want: usize, flags: u32, nonblock: bool, out: &mut dyn Sink) -> Result<Received, Errno> {
        let seqpacket = self.ty == sock::SEQPACKET;
        let wait = {
            let g = self.inner.lock();
            if seqpacket && g.state != State::Established {
                return Err(ENOTCONN);
            }
            Wait::of(nonblock, g.opts.rcvtimeo)
        };
        if flags & mf::OOB != 0 {
            return Err(EOPNOTSUPP);
        }
        let peek = flags & mf::PEEK != 0;
        let mut m = loop {
            {
                let mut g = self.inner.lock();
                if let Some(e) = g.err.take() {
                    return Err(e);
                }
                if peek {
                    if let Some(m) = g.recv.front() {
                        out.put(m, want.min(m.remaining()));
                        return Ok(Received { len: m.remaining(), from: m.from.clone(), rights: m.rights.peek(), creds: m.creds });
                    }
                } else if let Some(m) = g.recv.pop_front() {
                    break m;
                }
                // Shut down for reading: the end, but for a datagram
                // socket asked not to wait (Linux's own asymmetry).
                if g.shutdown & RCV_SHUTDOWN != 0 && (wait != Wait::No || seqpacket) {
                    return Ok(Received::default());
                }
            }
            let ready = || {
                let g = self.inner.lock();
                !g.recv.is_empty() || g.err.is_some() || g.shutdown & RCV_SHUTDOWN != 0
            };
            sleep(t, &self.queue, READ_EVENTS, wait, ready)?;
        };
        self.peer_wait.notify(events::OUT | events::WRNORM | events::WRBAND);
        out.put(&m, want.min(m.remaining()));
        let got = Received { len: m.remaining(), from: m.from.clone(), rights: m.rights.take(), creds: m.creds };
        drop(m);
        Ok(got)
    }
}
