//! Named pipes: opening a FIFO, as Linux's `fifo_open` does it. The pipe
//! itself is the sandbox's ordinary pipe.
//!
//! A blocking open for reading waits until a writer has opened the pipe
//! (and one for writing until a reader has); with `O_NONBLOCK` a reader
//! opens at once and a writer fails with `ENXIO` when no reader is there.
//! `O_RDWR` never waits.
//!
//! An end opened so keeps the named pipe's place in the tree: `fstat`
//! shows the node, and `/proc/PID/fd/N` names it and leads back to it.

use std::sync::Arc;

use abi::errno::ENXIO;
use abi::fs::o;
use abi::Errno;

use crate::kernel::pipe::Pipe;
use crate::vfs::{Location, OpenFile};
use crate::vfs::context::wait_until;
use crate::vfs::Context;
use crate::waiter::events;

/// Opens the named pipe `pipe`, found at `at`, with `flags`.
pub fn open(ctx: &mut dyn Context, pipe: &Arc<Pipe>, at: &Location, flags: u32) -> Result<Arc<OpenFile>, Errno> {
    let nonblock = flags & o::NONBLOCK != 0;
    let ((readers, _), opens) = pipe.ends_open();
    match flags & o::ACCMODE {
        o::WRONLY if nonblock && readers == 0 => return Err(ENXIO),
        o::RDONLY | o::WRONLY => {}
        _ => return Ok(Pipe::open_end_at(pipe, flags, Some(at.clone()))),
    }
    let reads = flags & o::ACCMODE == o::RDONLY;
    // This end counts before the wait, so that two openers meet.
    let file = Pipe::open_end_at(pipe, flags, Some(at.clone()));
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

#[cfg(test)]
mod tests {
    use crate::auth::Credentials;
    use crate::fsimpl::tmpfs::Tmpfs;
    use crate::vfs::context::TestContext;
    use crate::vfs::inode::NodeSpec;
    use crate::vfs::path::Resolver;
    use crate::vfs::MountNamespace;
    use abi::fs::{mode, o};

    #[test]
    fn an_end_keeps_the_named_pipe_it_was_opened_through() {
        let ns = MountNamespace::new(Tmpfs::new(1, 1 << 20).root(), "tmpfs", false);
        let root = ns.root();
        root.inode().create(b"f", NodeSpec::Fifo, 0o640, 0, 0).unwrap();
        let c = Credentials::fixed(0);
        let at = Resolver::new(&ns, root.clone(), &c).resolve(&root, b"f", true).unwrap();
        let end = at.inode().open_special(&mut TestContext::new(), &at, o::RDWR).unwrap().unwrap();
        assert!(end.ops.location().is_some_and(|l| l.same(&at)));
        let st = end.ops.stat().unwrap();
        assert_eq!((st.mode, st.ino, st.dev), (mode::S_IFIFO | 0o640, at.dentry.attr().ino, 1), "fstat shows the node");
    }
}
