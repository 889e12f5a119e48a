//! The anonymous inode: what `fstat` shows for eventfds and epoll
//! instances. On Linux they all share one inode, made at boot, owned by
//! root, with mode 0600 and no file type bits.

use abi::fs::Stat;

/// The device number anonymous inodes report (`anon_inodefs`).
const ANON_INODE_DEV: u64 = 0x10;
/// The inode number every anonymous file shares.
const ANON_INODE_INO: u64 = 1;

/// The anonymous inode's attributes, with times `boot_ns` (the sandbox's
/// boot, see [`super::Context::boot_time_ns`]).
pub fn stat(boot_ns: i64) -> Stat {
    let (sec, nsec) = (boot_ns.div_euclid(1_000_000_000), boot_ns.rem_euclid(1_000_000_000));
    Stat {
        dev: ANON_INODE_DEV,
        ino: ANON_INODE_INO,
        nlink: 1,
        mode: 0o600,
        uid: 0,
        gid: 0,
        blksize: abi::PAGE_SIZE as i64,
        atime: sec,
        atime_nsec: nsec,
        mtime: sec,
        mtime_nsec: nsec,
        ctime: sec,
        ctime_nsec: nsec,
        ..Stat::default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_anonymous_inode_is_0600_with_no_type() {
        let st = super::stat(1_500_000_000);
        assert_eq!(st.mode, 0o600);
        assert_eq!((st.nlink, st.size, st.blksize), (1, 0, 4096));
        assert_eq!((st.atime, st.atime_nsec), (1, 500_000_000));
    }
}
