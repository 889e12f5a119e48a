//! Character devices: what opening a device node gives, by its device
//! number (`/dev/null`, `/dev/zero`, `/dev/full`, `/dev/random`,
//! `/dev/urandom`, and `/dev/tty`, which is `ENXIO` since no process has a
//! controlling terminal). Other numbers are `ENXIO`, as a device with no
//! driver. Only `/dev/zero` can be mapped: as anonymous memory, shared when
//! mapped shared through a writable descriptor. An open device keeps the
//! node it was opened through: `/proc/PID/fd/N` names it, and it shows
//! the node's attributes as they are now.

use std::sync::Arc;

use abi::errno::{ENOSPC, ENXIO};
use abi::fs::Stat;
use abi::Errno;

use crate::vfs::inode::makedev;
use crate::vfs::{FileOps, Location, OpenFile};
use crate::vfs::Context;

/// `/dev/null`.
pub const NULL: u64 = makedev(1, 3);
/// `/dev/zero`.
pub const ZERO: u64 = makedev(1, 5);
/// `/dev/full`.
pub const FULL: u64 = makedev(1, 7);
/// `/dev/random`.
pub const RANDOM: u64 = makedev(1, 8);
/// `/dev/urandom`.
pub const URANDOM: u64 = makedev(1, 9);
/// `/dev/tty`.
pub const TTY: u64 = makedev(5, 0);

/// The name in `/dev` of the device `rdev`, if the sandbox has it.
pub fn name_of(rdev: u64) -> Option<&'static str> {
    Some(match rdev {
        NULL => "null",
        ZERO => "zero",
        FULL => "full",
        RANDOM => "random",
        URANDOM => "urandom",
        TTY => "tty",
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Zero,
    Full,
    Random,
}

struct Device {
    kind: Kind,
    /// The device node it was opened through.
    loc: Location,
}

impl FileOps for Device {
    fn read(&self, _ctx: &mut dyn Context, buf: &mut [u8], _offset: Option<u64>) -> Result<usize, Errno> {
        match self.kind {
            Kind::Null => Ok(0),
            Kind::Zero | Kind::Full => {
                buf.fill(0);
                Ok(buf.len())
            }
            Kind::Random => getrandom::fill(buf).map(|_| buf.len()).map_err(|_| abi::errno::EIO),
        }
    }

    fn write(&self, _ctx: &mut dyn Context, data: &[u8], _offset: Option<u64>) -> Result<usize, Errno> {
        match self.kind {
            Kind::Full => Err(ENOSPC),
            _ => Ok(data.len()),
        }
    }

    fn seek(&self, _offset: i64, _whence: u32) -> Result<u64, Errno> {
        Ok(0)
    }

    fn seekable(&self) -> bool {
        true
    }

    fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.loc.dentry.attr().to_stat())
    }

    fn location(&self) -> Option<Location> {
        Some(self.loc.clone())
    }

    fn mmap_source(&self) -> Result<crate::vfs::MmapSource, Errno> {
        match self.kind {
            Kind::Zero => Ok(crate::vfs::MmapSource::Zero),
            _ => Err(abi::errno::ENODEV),
        }
    }
}

/// Opens the device node at `loc` with `flags`.
pub fn open(loc: Location, flags: u32) -> Result<Arc<OpenFile>, Errno> {
    let kind = match loc.dentry.attr().rdev {
        NULL => Kind::Null,
        ZERO => Kind::Zero,
        FULL => Kind::Full,
        RANDOM | URANDOM => Kind::Random,
        _ => return Err(ENXIO),
    };
    Ok(OpenFile::new(Box::new(Device { kind, loc }), flags))
}

