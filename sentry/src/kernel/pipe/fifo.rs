//! Named pipes: opening a FIFO, as Linux's `fifo_open` does it. The pipe
//! itself is the sandbox's ordinary pipe.
//!
//! A blocking open for reading waits until a writer has opened the pipe
//! (and one for writing until a reader has); with `O_NONBLOCK` a reader
//! opens at once and a writer fails with `ENXIO` when no reader is there.
//! `O_RDWR` never waits.

use std::sync::Arc;

use abi::errno::ENXIO;
use abi::fs::o;
use abi::Errno;

use crate::kernel::pipe::Pipe;
use crate::vfs::OpenFile;
use crate::vfs::context::wait_until;
use crate::vfs::Context;
use crate::waiter::events;

/// Opens the named pipe `pipe` with `flags`.
pub fn open(ctx: &mut dyn Context, pipe: &Arc<Pipe>, flags: u32) -> Result<Arc<OpenFile>, Errno> {
    let nonblock = flags & o::NONBLOCK != 0;
    let ((readers, _), opens) = pipe.ends_open();
    match flags & o::ACCMODE {
        o::WRONLY if nonblock && readers == 0 => return Err(ENXIO),
        o::RDONLY | o::WRONLY => {}
        _ => return Ok(Pipe::open_end(pipe, flags)),
    }
    let reads = flags & o::ACCMODE == o::RDONLY;
    // This end counts before the wait, so that two openers meet.
    let file = Pipe::open_end(pipe, flags);
    if !nonblock {
        let (peer, seen) = if reads { (1, opens[1]) } else { (0, opens[0]) };
        let ready = || {
            let ((r, w), now) = pipe.ends_open();
            now[peer] != seen || if reads { w > 0 } else { r > 0 }
        };
        wait_until(ctx, pipe.queue(), events::IN | events::OUT, None, ready)?;
    }
    Ok(file)
}
