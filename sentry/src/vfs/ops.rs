//! Operations on names and attributes, with Linux's checks in Linux's
//! order: the kind of the last component, read-only mounts, existence,
//! trailing slashes, then permissions (`may_create`, `may_delete`, the
//! sticky rule, `protected_hardlinks`), mount points (`EBUSY`), and loops
//! (`rename` of a directory into itself). Each change made is reported
//! to inotify (see `vfs::inotify`).

use abi::errno::{EACCES, EBUSY, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, EROFS, EXDEV};
use abi::fs::{mode, o, rename as rn};
use abi::Errno;
use parking_lot::Mutex;

use super::inode::{now_ns, Nanos, NodeSpec, SetAttr};
use super::inotify::{self, mask as in_mask};
use super::mount::{Location, MountNamespace};
use super::path::{Last, Parent, Resolver};
use super::perm::{self, MAY_EXEC, MAY_READ, MAY_WRITE};
use crate::auth::{cap, Credentials};

/// Serialises renames, so that the loop check and the move are one step
/// (Linux's per-filesystem rename mutex). Taken before any dentry lock.
static RENAME_LOCK: Mutex<()> = Mutex::new(());

fn not_read_only(loc: &Location) -> Result<(), Errno> {
    if loc.mnt.read_only {
        Err(EROFS)
    } else {
        Ok(())
    }
}

/// `may_create`: write and search permission on the directory.
fn may_create(c: &Credentials, dir: &Location) -> Result<(), Errno> {
    if dir.dentry.is_deleted() {
        return Err(ENOENT);
    }
    perm::check(c, &dir.dentry.attr(), MAY_WRITE | MAY_EXEC)
}

/// `may_delete`: `victim` (in `dir`) may be removed or replaced by a
/// directory (`is_dir`) or by something else.
fn may_delete(c: &Credentials, dir: &Location, victim: &Location, is_dir: bool) -> Result<(), Errno> {
    let d = dir.dentry.attr();
    let v = victim.dentry.attr();
    perm::check(c, &d, MAY_WRITE | MAY_EXEC)?;
    perm::check_sticky(c, &d, &v)?;
    if is_dir {
        if !v.is_dir() {
            return Err(ENOTDIR);
        }
    } else if v.is_dir() {
        return Err(EISDIR);
    }
    if victim.dentry.is_mountpoint() || victim.is_mount_root() {
        return Err(EBUSY);
    }
    Ok(())
}

/// The owner and permission bits of a new inode in `dir`, as
/// `inode_init_owner`: the caller's filesystem ids, or the directory's
/// group (and, for a directory, its set-group-ID bit) when the directory
/// is set-group-ID.
fn new_owner(c: &Credentials, dir: &Location, spec: &NodeSpec, mut perm: u32) -> (u32, u32, u32) {
    let d = dir.dentry.attr();
    let mut gid = c.fsgid;
    if d.mode & mode::S_ISGID != 0 {
        gid = d.gid;
        if matches!(spec, NodeSpec::Directory) {
            perm |= mode::S_ISGID;
        } else if perm & mode::S_ISGID != 0 && perm & 0o010 != 0 && !perm::in_fs_group(c, gid) && !c.has_cap(cap::FSETID) {
            perm &= !mode::S_ISGID;
        }
    }
    (perm, c.fsuid, gid)
}

/// The name a new entry gets, from a path resolved to its parent, as
/// `filename_create`: `EEXIST` for `.`, `..`, the root or a name that
/// exists, `ENOENT` for a trailing slash on anything but a directory,
/// then `EROFS`.
fn new_name<'p>(r: &Resolver<'_>, p: &'p Parent, want_dir: bool) -> Result<&'p [u8], Errno> {
    let name = p.name(EEXIST)?;
    match r.child(&p.dir, name) {
        Ok(_) => return Err(EEXIST),
        Err(ENOENT) => {}
        Err(e) => return Err(e),
    }
    if p.trailing_slash && !want_dir {
        return Err(ENOENT);
    }
    not_read_only(&p.dir)?;
    Ok(name)
}

/// Makes a new inode at `path` (`mknod`, `mkdir`, `symlink`) with
/// permission bits `perm` (the umask already applied).
pub fn make(r: &mut Resolver<'_>, start: &Location, path: &[u8], spec: NodeSpec, perm: u32) -> Result<Location, Errno> {
    let p = r.parent(start, path)?;
    let name = new_name(r, &p, matches!(spec, NodeSpec::Directory))?;
    create_in(r, &p.dir, name, spec, perm)
}

/// Creates `name` in `dir`, checking the caller may.
fn create_in(r: &Resolver<'_>, dir: &Location, name: &[u8], spec: NodeSpec, perm: u32) -> Result<Location, Errno> {
    may_create(r.creds(), dir)?;
    let (perm, uid, gid) = new_owner(r.creds(), dir, &spec, perm);
    let is_dir = matches!(spec, NodeSpec::Directory);
    dir.inode().create(name, spec, perm, uid, gid)?;
    inotify::entry_event(dir, in_mask::CREATE, name, is_dir, 0);
    r.child(dir, name)
}

/// What `open` found or made.
pub struct Opened {
    /// The file.
    pub loc: Location,
    /// Whether `open` created it (no permission check on it then).
    pub created: bool,
}

/// Finds (or with `O_CREAT` makes, with permission bits `perm`) the file
/// `open` opens, as Linux's `path_openat`: with `O_CREAT` a link in the
/// last component is followed to its target, which is created if missing.
pub fn open(r: &mut Resolver<'_>, start: &Location, path: &[u8], flags: u32, perm: u32) -> Result<Opened, Errno> {
    let follow = flags & o::NOFOLLOW == 0;
    if flags & o::CREAT == 0 {
        let p = r.parent(start, path)?;
        let loc = r.last(&p, false)?;
        if loc.dentry.attr().is_symlink() && !p.trailing_slash {
            if flags & o::PATH != 0 && !follow {
                return Ok(Opened { loc, created: false });
            }
            if !follow {
                return Err(abi::errno::ELOOP);
            }
            let loc = r.follow(&p.dir, &loc)?;
            return Ok(Opened { loc, created: false });
        }
        return Ok(Opened { loc, created: false });
    }
    let (mut start, mut path) = (start.clone(), path.to_vec());
    loop {
        let p = r.parent(&start, &path)?;
        let name = p.name(EISDIR)?;
        if p.trailing_slash {
            return Err(EISDIR);
        }
        match r.child(&p.dir, name) {
            Ok(loc) => {
                if flags & o::EXCL != 0 {
                    return Err(EEXIST);
                }
                if !loc.dentry.attr().is_symlink() {
                    return Ok(Opened { loc, created: false });
                }
                if !follow {
                    return Err(abi::errno::ELOOP);
                }
                // A link that names a file (`/dev/stdout`'s target) leads
                // to it, which exists.
                if let Some(to) = r.jump(&loc)? {
                    return Ok(Opened { loc: to, created: false });
                }
                path = r.read_link(&loc)?;
                start = p.dir.clone();
            }
            Err(ENOENT) => {
                not_read_only(&p.dir)?;
                let loc = create_in(r, &p.dir, name, NodeSpec::Regular, perm)?;
                return Ok(Opened { loc, created: true });
            }
            Err(e) => return Err(e),
        }
    }
}

/// `O_TMPFILE` in the directory `dir`: a new regular file with no name,
/// permission bits `perm` (the umask applied), that `linkat` may name
/// if `linkable` (no `O_EXCL`). `ENOTDIR` for what is not a directory,
/// then `EROFS`, write and search permission, and `EOPNOTSUPP` from a
/// filesystem without unnamed files.
pub fn tmpfile(c: &Credentials, dir: &Location, perm: u32, linkable: bool) -> Result<Location, Errno> {
    let a = dir.dentry.attr();
    if !a.is_dir() {
        return Err(ENOTDIR);
    }
    not_read_only(dir)?;
    perm::check(c, &a, MAY_WRITE | MAY_EXEC)?;
    let (perm, uid, gid) = new_owner(c, dir, &NodeSpec::Regular, perm);
    let inode = dir.inode().tmpfile(perm, uid, gid)?;
    Ok(Location { mnt: dir.mnt.clone(), dentry: dir.dentry.new_tmpfile(inode, linkable) })
}

/// `unlink(path)`.
pub fn unlink(r: &mut Resolver<'_>, start: &Location, path: &[u8]) -> Result<(), Errno> {
    let p = r.parent(start, path)?;
    let name = p.name(EISDIR)?;
    not_read_only(&p.dir)?;
    let victim = r.child(&p.dir, name)?;
    if p.trailing_slash {
        return Err(if victim.dentry.attr().is_dir() { EISDIR } else { ENOTDIR });
    }
    may_delete(r.creds(), &p.dir, &victim, false)?;
    let last_name = inotify::is_last_name(&victim);
    p.dir.inode().unlink(name, false)?;
    p.dir.dentry.forget_child(name);
    inotify::removed(&p.dir, name, victim, last_name);
    Ok(())
}

/// `rmdir(path)`.
pub fn rmdir(r: &mut Resolver<'_>, start: &Location, path: &[u8]) -> Result<(), Errno> {
    let p = r.parent(start, path)?;
    let name = match &p.last {
        Last::Name(n) => n.as_slice(),
        Last::Dot => return Err(EINVAL),
        Last::DotDot => return Err(ENOTEMPTY),
        Last::Root => return Err(EBUSY),
    };
    not_read_only(&p.dir)?;
    let victim = r.child(&p.dir, name)?;
    may_delete(r.creds(), &p.dir, &victim, true)?;
    p.dir.inode().unlink(name, true)?;
    p.dir.dentry.forget_child(name);
    inotify::removed(&p.dir, name, victim, true);
    Ok(())
}

/// `renameat2(old, new, flags)`.
pub fn rename(r: &mut Resolver<'_>, old_start: &Location, old: &[u8], new_start: &Location, new: &[u8], flags: u32) -> Result<(), Errno> {
    if flags & !(rn::NOREPLACE | rn::EXCHANGE) != 0 || (flags & rn::NOREPLACE != 0 && flags & rn::EXCHANGE != 0) {
        return Err(EINVAL);
    }
    let exchange = flags & rn::EXCHANGE != 0;
    let op = r.parent(old_start, old)?;
    let np = r.parent(new_start, new)?;
    if !std::sync::Arc::ptr_eq(&op.dir.mnt, &np.dir.mnt) {
        return Err(EXDEV);
    }
    let oname = op.name(EBUSY)?;
    let nname = match np.name(EBUSY) {
        Err(e) if flags & rn::NOREPLACE != 0 => return Err(if e == EBUSY { EEXIST } else { e }),
        n => n?,
    };
    not_read_only(&op.dir)?;
    let _guard = RENAME_LOCK.lock();
    let src = r.child(&op.dir, oname)?;
    let dst = match r.child(&np.dir, nname) {
        Ok(d) => Some(d),
        Err(ENOENT) if !exchange => None,
        Err(e) => return Err(e),
    };
    if dst.is_some() && flags & rn::NOREPLACE != 0 {
        return Err(EEXIST);
    }
    let src_dir = src.dentry.attr().is_dir();
    let dst_dir = dst.as_ref().is_some_and(|d| d.dentry.attr().is_dir());
    if !src_dir && (op.trailing_slash || (!exchange && np.trailing_slash)) {
        return Err(ENOTDIR);
    }
    if exchange && !dst_dir && np.trailing_slash {
        return Err(ENOTDIR);
    }
    // A directory cannot move below itself; nor can the target be an
    // ancestor of the source.
    if src.dentry.is_ancestor_of(&np.dir.dentry) {
        return Err(EINVAL);
    }
    if let Some(d) = &dst {
        if d.dentry.is_ancestor_of(&op.dir.dentry) {
            return Err(if exchange { EINVAL } else { ENOTEMPTY });
        }
        if std::sync::Arc::ptr_eq(&src.dentry.inode, &d.dentry.inode) {
            return Ok(());
        }
    }
    let c = r.creds();
    may_delete(c, &op.dir, &src, src_dir)?;
    match &dst {
        Some(d) => may_delete(c, &np.dir, d, if exchange { dst_dir } else { src_dir })?,
        None => may_create(c, &np.dir)?,
    }
    let moves_dir = !std::sync::Arc::ptr_eq(&op.dir.dentry, &np.dir.dentry);
    if moves_dir {
        // A directory that changes parent has its `..` rewritten.
        if src_dir {
            perm::check(c, &src.dentry.attr(), MAY_WRITE)?;
        }
        if exchange && dst_dir {
            perm::check(c, &dst.as_ref().expect("exchange has a target").dentry.attr(), MAY_WRITE)?;
        }
    }
    let dst_last = dst.as_ref().is_some_and(|d| !exchange && inotify::is_last_name(d));
    op.dir.inode().rename(oname, np.dir.inode(), nname, flags)?;
    op.dir.dentry.moved(oname, &np.dir.dentry, nname, exchange);
    inotify::renamed(&op.dir, oname, &np.dir, nname, &src, dst.map(|d| (d, dst_last)), exchange);
    Ok(())
}

/// `may_linkat` under `protected_hardlinks` (on by default): someone who
/// does not own a file may link it only if it is a regular file, not
/// set-user-ID or executable set-group-ID, that they may read and write.
fn may_link(c: &Credentials, target: &Location) -> Result<(), Errno> {
    let a = target.dentry.attr();
    if perm::owner_or_capable(c, &a).is_ok() {
        return Ok(());
    }
    let suid = a.mode & mode::S_ISUID != 0 || a.mode & (mode::S_ISGID | 0o010) == (mode::S_ISGID | 0o010);
    if a.is_regular() && !suid && perm::check(c, &a, MAY_READ | MAY_WRITE).is_ok() {
        Ok(())
    } else {
        Err(EPERM)
    }
}

/// `linkat(old, new)`: `old` is already resolved.
pub fn link(r: &mut Resolver<'_>, target: &Location, new_start: &Location, new: &[u8]) -> Result<(), Errno> {
    let p = r.parent(new_start, new)?;
    let name = new_name(r, &p, false)?;
    if !std::sync::Arc::ptr_eq(&p.dir.mnt, &target.mnt) {
        return Err(EXDEV);
    }
    may_create(r.creds(), &p.dir)?;
    if target.dentry.attr().is_dir() {
        return Err(EPERM);
    }
    may_link(r.creds(), target)?;
    if target.dentry.is_deleted() && target.dentry.attr().nlink == 0 && !target.dentry.linkable() {
        return Err(ENOENT);
    }
    p.dir.inode().link(name, target.inode())?;
    target.dentry.linked();
    inotify::inode_event(target, in_mask::ATTRIB);
    inotify::entry_event(&p.dir, in_mask::CREATE, name, false, 0);
    Ok(())
}

/// Changes the attributes of the file at `loc` and reports the change
/// to inotify.
fn set_attr(loc: &Location, set: &SetAttr) -> Result<(), Errno> {
    loc.inode().setattr(set)?;
    inotify::file_event(loc, inotify::setattr_mask(set));
    Ok(())
}

/// `chmod`: the owner (or `CAP_FOWNER`) sets the permission bits; the
/// set-group-ID bit goes unless the caller is in the file's group or has
/// `CAP_FSETID`.
pub fn chmod(c: &Credentials, loc: &Location, perm_bits: u32) -> Result<(), Errno> {
    not_read_only(loc)?;
    let a = loc.dentry.attr();
    perm::owner_or_capable(c, &a)?;
    let mut m = perm_bits & 0o7777;
    if m & mode::S_ISGID != 0 && !perm::in_fs_group(c, a.gid) && !c.has_cap(cap::FSETID) {
        m &= !mode::S_ISGID;
    }
    set_attr(loc, &SetAttr { mode: Some(m), ctime: now_ns(), ..SetAttr::default() })
}

/// `chown` (`None` leaves an id as it is): changing the owner takes
/// `CAP_CHOWN`; the owner may change the group to one of theirs. A file
/// that is not a directory loses its set-user-ID bit and its executable
/// set-group-ID bit.
pub fn chown(c: &Credentials, loc: &Location, uid: Option<u32>, gid: Option<u32>) -> Result<(), Errno> {
    not_read_only(loc)?;
    let a = loc.dentry.attr();
    let may_chown = c.has_cap(cap::CHOWN);
    if uid.is_some_and(|u| u != a.uid) && !may_chown {
        return Err(EPERM);
    }
    if let Some(g) = gid {
        let owner = a.uid == c.fsuid && uid.is_none_or(|u| u == a.uid);
        if g != a.gid && !may_chown && !(owner && perm::in_fs_group(c, g)) {
            return Err(EPERM);
        }
        if g == a.gid && !may_chown && !owner {
            return Err(EPERM);
        }
    }
    if uid.is_none() && gid.is_none() {
        return set_attr(loc, &SetAttr { ctime: now_ns(), ..SetAttr::default() });
    }
    let mut m = None;
    if !a.is_dir() {
        let mut bits = a.mode & 0o7777 & !mode::S_ISUID;
        if bits & (mode::S_ISGID | 0o010) == (mode::S_ISGID | 0o010) {
            bits &= !mode::S_ISGID;
        }
        if bits != a.mode & 0o7777 {
            m = Some(bits);
        }
    }
    set_attr(loc, &SetAttr { mode: m, uid, gid, ctime: now_ns(), ..SetAttr::default() })
}

/// A new time for `utimensat`: the current time, a given time, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSet {
    /// `UTIME_NOW`.
    Now,
    /// A time given.
    At(Nanos),
    /// `UTIME_OMIT`.
    Omit,
}

/// `utimensat`: setting both times to now takes ownership or write
/// permission; setting a given time takes ownership (or `CAP_FOWNER`).
pub fn utimes(c: &Credentials, loc: &Location, atime: TimeSet, mtime: TimeSet) -> Result<(), Errno> {
    if atime == TimeSet::Omit && mtime == TimeSet::Omit {
        return Ok(());
    }
    not_read_only(loc)?;
    let a = loc.dentry.attr();
    let explicit = matches!(atime, TimeSet::At(_)) || matches!(mtime, TimeSet::At(_));
    if perm::owner_or_capable(c, &a).is_err() {
        if explicit {
            return Err(EPERM);
        }
        perm::check(c, &a, MAY_WRITE).map_err(|_| EACCES)?;
    }
    let now = now_ns();
    let pick = |t| match t {
        TimeSet::Now => Some(now),
        TimeSet::At(v) => Some(v),
        TimeSet::Omit => None,
    };
    set_attr(loc, &SetAttr { atime: pick(atime), mtime: pick(mtime), ctime: now, ..SetAttr::default() })
}

/// `truncate(path)`: `EISDIR` for a directory, `EINVAL` for what is not
/// a regular file, then `EROFS` and write permission.
pub fn truncate(c: &Credentials, loc: &Location, size: u64) -> Result<(), Errno> {
    let a = loc.dentry.attr();
    if a.is_dir() {
        return Err(EISDIR);
    }
    if !a.is_regular() {
        return Err(EINVAL);
    }
    not_read_only(loc)?;
    perm::check(c, &a, MAY_WRITE)?;
    set_size(loc, size)
}

/// Sets the size of a regular file (`ftruncate` on a writable
/// description, `O_TRUNC`); its modification time changes.
pub fn set_size(loc: &Location, size: u64) -> Result<(), Errno> {
    let now = now_ns();
    set_attr(loc, &SetAttr { size: Some(size), mtime: Some(now), ctime: now, ..SetAttr::default() })
}

/// The credentials `access` checks with: the real ids instead of the
/// effective ones, and (for a caller whose real uid is not 0) no
/// capabilities.
pub fn access_creds(c: &Credentials) -> Credentials {
    let mut a = c.clone();
    a.fsuid = c.uid;
    a.fsgid = c.gid;
    if c.uid != 0 {
        a.cap_effective = 0;
    } else {
        a.cap_effective = a.cap_permitted;
    }
    a
}

/// `access(path, mode)` on a resolved file: `EROFS` for a write to a
/// read-only mount, then the permission bits.
pub fn access(c: &Credentials, loc: &Location, mask: u32) -> Result<(), Errno> {
    if mask == 0 {
        return Ok(());
    }
    perm::check_at(c, loc, mask)
}

/// The path of `loc` as seen from `root` (`getcwd`, `/proc/PID/cwd`):
/// with `(deleted)` after a removed name, and `None` when `loc` is not
/// under `root` (a file of an internal mount is named from that mount's
/// root, as Linux names a memfd `/memfd:name (deleted)`). A file whose
/// filesystem names it ([`Inode::dname`](super::inode::Inode::dname):
/// `pipe:[N]`) has that name wherever it is, as Linux's `d_path` gives.
pub fn path_of(root: &Location, loc: &Location) -> Option<Vec<u8>> {
    if !loc.is_mount_root() {
        if let Some(name) = loc.inode().dname() {
            return Some(name);
        }
    }
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut cur = loc.clone();
    loop {
        if cur.same(root) {
            break;
        }
        if cur.is_mount_root() {
            match &cur.mnt.parent {
                Some((pm, pd)) => {
                    cur = Location { mnt: pm.clone(), dentry: pd.clone() };
                    continue;
                }
                // An internal mount's files are named from its root.
                None if cur.mnt.is_internal() => break,
                None => return None,
            }
        }
        let parent = cur.dentry.parent()?;
        names.push(cur.dentry.name());
        cur = Location { mnt: cur.mnt.clone(), dentry: parent };
    }
    let mut out = Vec::new();
    for n in names.iter().rev() {
        out.push(b'/');
        out.extend_from_slice(n);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    if loc.dentry.is_deleted() {
        out.extend_from_slice(b" (deleted)");
    }
    Some(out)
}

/// The directory at the absolute `path`, made (mode 0755, owned by root)
/// with its parents where missing; links on the way are followed.
pub fn mkdir_p(ns: &MountNamespace, path: &[u8]) -> Result<Location, Errno> {
    let c = Credentials::fixed(0);
    let root = ns.root();
    let mut cur = root.clone();
    for comp in path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
        let mut r = Resolver::new(ns, root.clone(), &c);
        let next = match r.resolve(&cur, comp, true) {
            Ok(l) => l,
            Err(ENOENT) => {
                make(&mut r, &cur, comp, NodeSpec::Directory, 0o755)?;
                r.resolve(&cur, comp, true)?
            }
            Err(e) => return Err(e),
        };
        if !next.dentry.attr().is_dir() {
            return Err(ENOTDIR);
        }
        cur = next;
    }
    Ok(cur)
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::mount::MountNamespace;
    use crate::fsimpl::tmpfs::Tmpfs;

    fn ns() -> MountNamespace {
        MountNamespace::new(Tmpfs::new(1, 1 << 20).root(), "tmpfs", false)
    }

    #[test]
    fn make_unlink_and_rmdir_errors() {
        let ns = ns();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        make(&mut r, &root, b"d", NodeSpec::Directory, 0o755).unwrap();
        assert_eq!(make(&mut r, &root, b"d", NodeSpec::Directory, 0o755).err(), Some(EEXIST));
        assert_eq!(make(&mut r, &root, b"d/.", NodeSpec::Directory, 0o755).err(), Some(EEXIST));
        assert_eq!(make(&mut r, &root, b"f/", NodeSpec::Regular, 0o644).err(), Some(ENOENT));
        make(&mut r, &root, b"e/", NodeSpec::Directory, 0o755).unwrap();
        make(&mut r, &root, b"d/f", NodeSpec::Regular, 0o644).unwrap();
        assert_eq!(unlink(&mut r, &root, b"d").err(), Some(EISDIR));
        assert_eq!(unlink(&mut r, &root, b"d/f/").err(), Some(ENOTDIR));
        assert_eq!(rmdir(&mut r, &root, b"d").err(), Some(ENOTEMPTY));
        assert_eq!(rmdir(&mut r, &root, b"d/f").err(), Some(ENOTDIR));
        assert_eq!(rmdir(&mut r, &root, b"d/.").err(), Some(EINVAL));
        assert_eq!(rmdir(&mut r, &root, b"d/..").err(), Some(ENOTEMPTY));
        unlink(&mut r, &root, b"d/f").unwrap();
        rmdir(&mut r, &root, b"d").unwrap();
        assert_eq!(r.resolve(&root, b"d", true).err(), Some(ENOENT));
    }

    #[test]
    fn rename_rules() {
        let ns = ns();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        make(&mut r, &root, b"a", NodeSpec::Directory, 0o755).unwrap();
        make(&mut r, &root, b"a/b", NodeSpec::Directory, 0o755).unwrap();
        make(&mut r, &root, b"f", NodeSpec::Regular, 0o644).unwrap();
        make(&mut r, &root, b"g", NodeSpec::Regular, 0o644).unwrap();
        assert_eq!(rename(&mut r, &root, b"a", &root, b"a/b/c", 0).err(), Some(EINVAL));
        assert_eq!(rename(&mut r, &root, b"a/b", &root, b"a", 0).err(), Some(ENOTEMPTY));
        assert_eq!(rename(&mut r, &root, b"f", &root, b"a", 0).err(), Some(EISDIR));
        assert_eq!(rename(&mut r, &root, b"a", &root, b"f", 0).err(), Some(ENOTDIR));
        assert_eq!(rename(&mut r, &root, b"f", &root, b"g", rn::NOREPLACE).err(), Some(EEXIST));
        assert_eq!(rename(&mut r, &root, b"f/", &root, b"h", 0).err(), Some(ENOTDIR));
        let cwd = r.resolve(&root, b"a/b", true).unwrap();
        rename(&mut r, &root, b"a", &root, b"z", 0).unwrap();
        assert_eq!(path_of(&root, &cwd).unwrap(), b"/z/b");
        rename(&mut r, &root, b"f", &root, b"z/b", rn::EXCHANGE).unwrap();
        assert!(r.resolve(&root, b"f", true).unwrap().dentry.attr().is_dir());
        assert_eq!(path_of(&root, &cwd).unwrap(), b"/f");
        rename(&mut r, &root, b"g", &root, b"z/b", 0).unwrap();
        assert_eq!(r.resolve(&root, b"g", true).err(), Some(ENOENT));
    }

    #[test]
    fn files_of_an_internal_mount_are_named_from_its_root() {
        let ns = ns();
        let m = crate::vfs::mount::Mount::internal(Tmpfs::new(5, 1 << 20).root(), "tmpfs");
        let shm = Location { dentry: m.root.clone(), mnt: m };
        let inode = crate::fsimpl::tmpfs::new_unlinked_file(shm.inode(), 0o777, 0, 0, 0).unwrap();
        let loc = Location { dentry: crate::vfs::Dentry::new_unlinked(&shm.dentry, b"memfd:x", inode), mnt: shm.mnt.clone() };
        assert_eq!(path_of(&ns.root(), &loc).unwrap(), b"/memfd:x (deleted)");
        let other = Tmpfs::new(2, 1 << 20);
        let detached = Location { mnt: ns.root().mnt.clone(), dentry: crate::vfs::Dentry::new_root(other.root()) };
        assert_eq!(path_of(&ns.root(), &detached), None, "a place outside the root is still unreachable");
    }

    #[test]
    fn sticky_and_owner_checks() {
        let ns = ns();
        let root = ns.root();
        let c0 = Credentials::fixed(0);
        let c1 = Credentials::fixed(1000);
        let c2 = Credentials::fixed(1001);
        let f = make(&mut Resolver::new(&ns, root.clone(), &c1), &root, b"mine", NodeSpec::Regular, 0o644).unwrap();
        assert_eq!(f.dentry.attr().uid, 1000);
        assert_eq!(unlink(&mut Resolver::new(&ns, root.clone(), &c2), &root, b"mine").err(), Some(EPERM));
        assert_eq!(chmod(&c2, &f, 0o777).err(), Some(EPERM));
        assert_eq!(chown(&c1, &f, Some(1001), None).err(), Some(EPERM));
        chown(&c0, &f, Some(1001), None).unwrap();
        assert_eq!(utimes(&c1, &f, TimeSet::At(5), TimeSet::Omit).err(), Some(EPERM));
        assert_eq!(utimes(&c1, &f, TimeSet::Now, TimeSet::Now).err(), Some(EACCES));
        assert_eq!(link(&mut Resolver::new(&ns, root.clone(), &c1), &f, &root, b"l").err(), Some(EPERM));
        unlink(&mut Resolver::new(&ns, root.clone(), &c2), &root, b"mine").unwrap();
    }
}
