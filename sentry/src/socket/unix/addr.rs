//! Unix socket addresses: what `bind`, `connect` and `sendto` take, read
//! as Linux's `unix_validate_addr` and `unix_mkname_bsd` read them, and
//! the names `getsockname`, `getpeername`, `accept` and `recvfrom` give
//! back, of the lengths Linux gives them.

use abi::errno::EINVAL;
use abi::socket::af;
use abi::Errno;

/// Where `sun_path` starts (`offsetof(struct sockaddr_un, sun_path)`):
/// after the family.
pub const PATH_OFFSET: usize = 2;
/// `sizeof(struct sockaddr_un)`: the longest address taken.
pub const SOCKADDR_UN_LEN: usize = 110;

/// A name a socket is bound to, as Linux keeps it (`struct
/// unix_address`): the address's bytes, family first, of the length
/// `getsockname` reports. A pathname's ends with its NUL; an abstract
/// name is the bytes given, its leading NUL included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixAddr(Vec<u8>);

/// What an address names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A socket file in the tree, by this path (no NUL).
    Path(&'a [u8]),
    /// An abstract name: these bytes after the family, its leading NUL
    /// included.
    Abstract(&'a [u8]),
}

/// The family bytes of `AF_UNIX`.
fn family() -> [u8; 2] {
    (af::UNIX as u16).to_ne_bytes()
}

impl UnixAddr {
    /// The address of a socket with no name: the family alone.
    pub fn unnamed() -> Vec<u8> {
        family().to_vec()
    }

    /// The name an address of `bind` gives a socket (checked with
    /// [`parse`]): a pathname cut at its first NUL, with one NUL after
    /// it (so `sizeof(sa_family_t) + strlen + 1` bytes, as Linux counts);
    /// an abstract name as given.
    pub fn from_target(target: Target<'_>) -> UnixAddr {
        let mut v = family().to_vec();
        match target {
            Target::Path(p) => {
                v.extend_from_slice(p);
                v.push(0);
            }
            Target::Abstract(a) => v.extend_from_slice(a),
        }
        UnixAddr(v)
    }

    /// The autobind name with number `n`: a NUL and five hex digits.
    pub fn autobind(n: u32) -> UnixAddr {
        let mut v = family().to_vec();
        v.push(0);
        v.extend_from_slice(format!("{:05x}", n & 0xf_ffff).as_bytes());
        UnixAddr(v)
    }

    /// The address's bytes, as `getsockname` reports them.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// What it names.
    pub fn target(&self) -> Target<'_> {
        let rest = &self.0[PATH_OFFSET..];
        if rest.first() == Some(&0) {
            Target::Abstract(rest)
        } else {
            Target::Path(&rest[..rest.len().saturating_sub(1)])
        }
    }

    /// The name as `/proc/net/unix` prints it: a path as it is, an
    /// abstract name with `@` for each NUL (its leading one first).
    pub fn proc_text(&self) -> Vec<u8> {
        match self.target() {
            Target::Path(p) => p.to_vec(),
            Target::Abstract(a) => a.iter().map(|&b| if b == 0 { b'@' } else { b }).collect(),
        }
    }
}

/// Checks the address of `bind`, `connect` or `sendto` as Linux's
/// `unix_validate_addr` does (`EINVAL` unless it is longer than the
/// family, at most a `sockaddr_un`, and of family `AF_UNIX`), and says
/// what it names.
pub fn parse(addr: &[u8]) -> Result<Target<'_>, Errno> {
    if addr.len() <= PATH_OFFSET || addr.len() > SOCKADDR_UN_LEN {
        return Err(EINVAL);
    }
    if addr[..PATH_OFFSET] != family() {
        return Err(EINVAL);
    }
    let rest = &addr[PATH_OFFSET..];
    if rest[0] == 0 {
        return Ok(Target::Abstract(rest));
    }
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    Ok(Target::Path(&rest[..end]))
}

/// Whether `addr` asks for an autobind: exactly a family of `AF_UNIX`.
pub fn is_autobind(addr: &[u8]) -> bool {
    addr.len() == PATH_OFFSET && addr == family()
}

/// The family of an address of at least two bytes.
pub fn family_of(addr: &[u8]) -> Option<i32> {
    (addr.len() >= PATH_OFFSET).then(|| i32::from(u16::from_ne_bytes([addr[0], addr[1]])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sun(path: &[u8], len: usize) -> Vec<u8> {
        let mut v = family().to_vec();
        v.extend_from_slice(path);
        v.resize(len, 0);
        v
    }

    #[test]
    fn pathnames_are_cut_at_their_nul_and_named_with_one() {
        let a = sun(b"/tmp/s", SOCKADDR_UN_LEN);
        assert_eq!(parse(&a), Ok(Target::Path(b"/tmp/s")));
        let name = UnixAddr::from_target(parse(&a).unwrap());
        assert_eq!(name.bytes().len(), 2 + 6 + 1);
        assert_eq!(name.target(), Target::Path(b"/tmp/s"));
        assert_eq!(name.proc_text(), b"/tmp/s");
        // 108 bytes with no NUL: the name is 111 bytes long, as on Linux.
        let full = sun(&[b'a'; 108], SOCKADDR_UN_LEN);
        let name = UnixAddr::from_target(parse(&full).unwrap());
        assert_eq!(name.bytes().len(), 111);
        // An address cut short of the path's NUL ends the path there.
        assert_eq!(parse(&a[..5]), Ok(Target::Path(b"/tm")));
    }

    #[test]
    fn abstract_names_keep_every_byte() {
        let a = sun(b"\0ab\0c", 7);
        assert_eq!(parse(&a), Ok(Target::Abstract(b"\0ab\0c")));
        let name = UnixAddr::from_target(parse(&a).unwrap());
        assert_eq!(name.bytes(), &a[..]);
        assert_eq!(name.proc_text(), b"@ab@c");
        let auto = UnixAddr::autobind(0xabc);
        assert_eq!(auto.bytes(), b"\x01\x00\x0000abc");
        assert_eq!(auto.bytes().len(), 8);
    }

    #[test]
    fn bad_addresses_are_einval() {
        assert_eq!(parse(&[]), Err(EINVAL));
        assert_eq!(parse(&family()), Err(EINVAL));
        assert_eq!(parse(&sun(b"x", 111)), Err(EINVAL));
        let mut inet = sun(b"x", 4);
        inet[0] = af::INET as u8;
        assert_eq!(parse(&inet), Err(EINVAL));
        assert!(is_autobind(&family()));
        assert!(!is_autobind(&inet[..2]));
        assert_eq!(family_of(&inet), Some(af::INET));
        assert_eq!(family_of(&[1]), None);
    }
}
