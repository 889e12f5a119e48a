//! The socket calls that take a descriptor, while the sandbox has no
//! sockets: no descriptor is a socket, so each fails as Linux fails it on
//! a file that is not one, `ENOTSOCK` (`EBADF` when the descriptor is not
//! open). Programs probe their descriptors this way (bash asks
//! `getpeername` whether its standard input is a network connection, and
//! reads `~/.bashrc` when the answer is not `ENOTSOCK`), so `ENOSYS` would
//! mislead them. `socket` and `socketpair` themselves stay unimplemented.

use abi::errno::ENOTSOCK;

use super::{Args, SysResult};
use crate::kernel::task::Task;

/// Linux checks the descriptor before anything else (the address and
/// buffer arguments are not looked at): `EBADF` if `fd` is not open, else
/// `ENOTSOCK`.
pub fn not_a_socket(t: &mut Task, a: Args) -> SysResult {
    t.fds.get(a.int(0))?;
    Err(ENOTSOCK)
}
