//! Path resolution, as Linux's `namei` does it.
//!
//! A path is walked one component at a time from the process's root (an
//! absolute path) or a starting directory. Each directory walked through
//! must be searchable by the caller; `.` stays, `..` goes to the parent,
//! never above the process's root, and out of a mount's root to the
//! mount point first; a name that is a mount point shows the mounted
//! filesystem. Symbolic links are followed (at most 40 in one resolution,
//! then `ELOOP`) everywhere but in the last component, where the caller
//! decides; a trailing slash makes the last component a directory and
//! follows a link there. A link that names a file rather than a path
//! (`/proc/PID/fd/N`, `/proc/PID/cwd`) jumps to the file itself
//! ([`Resolver::jump`]), a pipe's nameless inode included, never resolving
//! its text. Components longer than `NAME_MAX` are `ENAMETOOLONG` (paths
//! longer than `PATH_MAX` never get here).

use abi::errno::{ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, EXDEV};
use abi::fs::{mode, NAME_MAX};
use abi::Errno;

use super::mount::{Location, MountNamespace};
use super::perm::{self, MAY_EXEC};
use crate::auth::{cap, Credentials};

/// Linux's limit on symbolic links followed in one resolution.
pub const MAX_SYMLINKS: u32 = 40;

/// The last component of a path, unresolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Last {
    /// A name.
    Name(Vec<u8>),
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// The path was only slashes: the root itself.
    Root,
}

/// A path resolved up to its last component.
#[derive(Clone)]
pub struct Parent {
    /// The directory the last component is in.
    pub dir: Location,
    /// The last component.
    pub last: Last,
    /// Whether the path ended with a slash.
    pub trailing_slash: bool,
}

impl Parent {
    /// The last component's name, for operations that take only a name
    /// (`.`, `..` and the root are `err`).
    pub fn name(&self, err: Errno) -> Result<&[u8], Errno> {
        match &self.last {
            Last::Name(n) => Ok(n),
            _ => Err(err),
        }
    }
}

/// Restrictions on a resolution (`openat2`'s `RESOLVE_*`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Restrict {
    /// No symbolic link may be followed (`ELOOP`).
    pub no_symlinks: bool,
    /// No mount may be crossed (`EXDEV`).
    pub no_xdev: bool,
    /// No link that names a file rather than a path (`/proc/self/fd/N`)
    /// may be followed (`ELOOP`).
    pub no_magiclinks: bool,
    /// The path must stay beneath the starting directory (`EXDEV`).
    pub beneath: bool,
}

/// One path resolution: the namespace, the caller's root and credentials,
/// and the symbolic links it may still follow.
pub struct Resolver<'a> {
    ns: &'a MountNamespace,
    root: Location,
    creds: &'a Credentials,
    links: u32,
    restrict: Restrict,
    /// The directory `beneath` keeps the walk under.
    base: Option<Location>,
}

impl<'a> Resolver<'a> {
    /// A resolution in `ns` for a caller with root `root` and `creds`.
    pub fn new(ns: &'a MountNamespace, root: Location, creds: &'a Credentials) -> Resolver<'a> {
        Resolver { ns, root, creds, links: MAX_SYMLINKS, restrict: Restrict::default(), base: None }
    }

    /// The same, with `openat2`'s restrictions; `start` is the directory
    /// `beneath` applies to.
    pub fn restricted(mut self, restrict: Restrict, start: &Location) -> Resolver<'a> {
        self.restrict = restrict;
        if restrict.beneath {
            self.base = Some(start.clone());
        }
        self
    }

    /// The caller's credentials.
    pub fn creds(&self) -> &Credentials {
        self.creds
    }

    /// The namespace.
    pub fn ns(&self) -> &MountNamespace {
        self.ns
    }

    /// Walks `path` from `start` (or the root, for an absolute path) up to
    /// its last component.
    pub fn parent(&mut self, start: &Location, path: &[u8]) -> Result<Parent, Errno> {
        if path.is_empty() {
            return Err(ENOENT);
        }
        let mut cur = if path[0] == b'/' {
            if self.base.is_some() {
                return Err(EXDEV);
            }
            self.root.clone()
        } else {
            start.clone()
        };
        let comps: Vec<&[u8]> = path.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect();
        let trailing_slash = path.ends_with(b"/");
        let Some((last, dirs)) = comps.split_last() else {
            return Ok(Parent { dir: cur, last: Last::Root, trailing_slash });
        };
        for c in dirs {
            cur = self.component(&cur, c, true)?;
        }
        // Searching the last directory comes before anything about the
        // last name, even whether it exists.
        self.may_search(&cur)?;
        let last = match *last {
            b"." => Last::Dot,
            b".." => Last::DotDot,
            n => Last::Name(n.to_vec()),
        };
        Ok(Parent { dir: cur, last, trailing_slash })
    }

    /// Resolves the last component of `p`, following a symbolic link there
    /// when `follow` (or when the path ends with a slash).
    pub fn last(&mut self, p: &Parent, follow: bool) -> Result<Location, Errno> {
        let loc = match &p.last {
            Last::Root => p.dir.clone(),
            Last::Dot => self.component(&p.dir, b".", false)?,
            Last::DotDot => self.component(&p.dir, b"..", false)?,
            Last::Name(n) => self.component(&p.dir, n, follow || p.trailing_slash)?,
        };
        if p.trailing_slash && loc.dentry.kind() != mode::S_IFDIR {
            return Err(ENOTDIR);
        }
        Ok(loc)
    }

    /// Resolves all of `path` from `start`.
    pub fn resolve(&mut self, start: &Location, path: &[u8], follow: bool) -> Result<Location, Errno> {
        let p = self.parent(start, path)?;
        self.last(&p, follow)
    }

    /// Checks that `dir` is a directory the caller may search.
    pub fn may_search(&self, dir: &Location) -> Result<(), Errno> {
        if dir.dentry.kind() != mode::S_IFDIR {
            return Err(ENOTDIR);
        }
        // Either capability lets any directory be searched (see
        // perm::check), so its mode need not be fetched.
        if self.creds.has_cap(cap::DAC_OVERRIDE) || self.creds.has_cap(cap::DAC_READ_SEARCH) {
            return Ok(());
        }
        perm::check(self.creds, &dir.dentry.attr(), MAY_EXEC)
    }

    /// One component `name` in `dir`, following a symbolic link when
    /// `follow`.
    fn component(&mut self, dir: &Location, name: &[u8], follow: bool) -> Result<Location, Errno> {
        self.may_search(dir)?;
        match name {
            b"." => Ok(dir.clone()),
            b".." => self.dotdot(dir),
            _ => {
                let child = self.child(dir, name)?;
                if follow && child.dentry.kind() == mode::S_IFLNK {
                    self.follow(dir, &child)
                } else {
                    Ok(child)
                }
            }
        }
    }

    /// The entry `name` of the searchable directory `dir`, without
    /// following a link: what is mounted there if anything is.
    pub fn child(&self, dir: &Location, name: &[u8]) -> Result<Location, Errno> {
        if name.len() > NAME_MAX {
            return Err(ENAMETOOLONG);
        }
        let d = dir.dentry.child(name)?;
        let loc = self.ns.cross_down(Location { mnt: dir.mnt.clone(), dentry: d });
        if self.restrict.no_xdev && !std::sync::Arc::ptr_eq(&loc.mnt, &dir.mnt) {
            return Err(EXDEV);
        }
        Ok(loc)
    }

    /// The parent of `dir`: itself at the caller's root, the mount point's
    /// parent at the root of a mount.
    fn dotdot(&self, dir: &Location) -> Result<Location, Errno> {
        if self.base.as_ref().is_some_and(|b| b.same(dir)) {
            return Err(EXDEV);
        }
        let mut cur = dir.clone();
        loop {
            if cur.same(&self.root) {
                return Ok(cur);
            }
            if !cur.is_mount_root() {
                break;
            }
            match &cur.mnt.parent {
                Some((pm, pd)) => {
                    if self.restrict.no_xdev {
                        return Err(EXDEV);
                    }
                    cur = Location { mnt: pm.clone(), dentry: pd.clone() };
                }
                None => return Ok(cur),
            }
        }
        let parent = cur.dentry.parent().unwrap_or_else(|| cur.dentry.clone());
        Ok(self.ns.cross_down(Location { mnt: cur.mnt.clone(), dentry: parent }))
    }

    /// Follows the symbolic link `link`, found in `dir`, to what it names.
    pub fn follow(&mut self, dir: &Location, link: &Location) -> Result<Location, Errno> {
        if let Some(to) = self.jump(link)? {
            return Ok(to);
        }
        let target = self.read_link(link)?;
        self.resolve(dir, &target, true)
    }

    /// For a link that names a file rather than a path (see
    /// [`Inode::jump`](super::inode::Inode::jump)): where it leads,
    /// counted against the resolution's limit; `None` for an ordinary
    /// symbolic link.
    pub fn jump(&mut self, link: &Location) -> Result<Option<Location>, Errno> {
        let Some(to) = link.inode().jump() else { return Ok(None) };
        self.count_link()?;
        // As Linux: may the caller see it (`EACCES`), then may it jump.
        let to = to?;
        if self.restrict.no_magiclinks {
            return Err(ELOOP);
        }
        Ok(Some(to))
    }

    /// The target of the symbolic link `link`, counted against the
    /// resolution's limit (`ELOOP` once it is spent).
    pub fn read_link(&mut self, link: &Location) -> Result<Vec<u8>, Errno> {
        self.count_link()?;
        link.inode().readlink()
    }

    /// Counts one more link followed: `ELOOP` when none may be, or once
    /// the limit is spent.
    fn count_link(&mut self) -> Result<(), Errno> {
        if self.restrict.no_symlinks || self.links == 0 {
            return Err(ELOOP);
        }
        self.links -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::inode::NodeSpec;
    use crate::fsimpl::tmpfs::Tmpfs;

    fn tree() -> MountNamespace {
        let ns = MountNamespace::new(Tmpfs::new(1, 1 << 20).root(), "tmpfs", false);
        let r = ns.root();
        let d = r.inode().create(b"d", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        d.create(b"f", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        d.create(b"up", NodeSpec::Symlink(b"..".to_vec()), 0o777, 0, 0).unwrap();
        r.inode().create(b"abs", NodeSpec::Symlink(b"/d/f".to_vec()), 0o777, 0, 0).unwrap();
        r.inode().create(b"loop", NodeSpec::Symlink(b"loop".to_vec()), 0o777, 0, 0).unwrap();
        r.inode().create(b"mnt", NodeSpec::Directory, 0o755, 0, 0).unwrap();
        ns
    }

    fn ino(l: &Location) -> u64 {
        l.dentry.attr().ino
    }

    #[test]
    fn dots_links_and_slashes() {
        let ns = tree();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        let f = r.resolve(&root, b"/d/f", true).unwrap();
        assert_eq!(ino(&r.resolve(&root, b"d/../d/./f", true).unwrap()), ino(&f));
        assert_eq!(ino(&r.resolve(&root, b"/../../d//f", true).unwrap()), ino(&f));
        assert_eq!(ino(&r.resolve(&root, b"abs", true).unwrap()), ino(&f));
        assert!(r.resolve(&root, b"abs", false).unwrap().dentry.attr().is_symlink());
        assert_eq!(ino(&r.resolve(&root, b"d/up/d/up/abs", true).unwrap()), ino(&f));
        assert_eq!(r.resolve(&root, b"d/f/", true).err(), Some(ENOTDIR));
        assert_eq!(r.resolve(&root, b"d/f/.", true).err(), Some(ENOTDIR));
        assert_eq!(r.resolve(&root, b"loop", true).err(), Some(ELOOP));
        assert_eq!(r.resolve(&root, b"loop", false).map(|l| l.dentry.attr().is_symlink()), Ok(true));
        assert_eq!(r.resolve(&root, b"", true).err(), Some(ENOENT));
        assert_eq!(r.resolve(&root, b"nope/f", true).err(), Some(ENOENT));
        let long = vec![b'x'; 256];
        assert_eq!(r.resolve(&root, &long, true).err(), Some(ENAMETOOLONG));
    }

    #[test]
    fn forty_links_and_no_more() {
        let ns = tree();
        let c = Credentials::fixed(0);
        let root = ns.root();
        for i in 0..41u32 {
            let target = if i == 0 { b"d/f".to_vec() } else { format!("l{}", i - 1).into_bytes() };
            root.inode().create(format!("l{i}").as_bytes(), NodeSpec::Symlink(target), 0o777, 0, 0).unwrap();
        }
        assert!(Resolver::new(&ns, root.clone(), &c).resolve(&root, b"l39", true).is_ok());
        assert_eq!(Resolver::new(&ns, root.clone(), &c).resolve(&root, b"l40", true).err(), Some(ELOOP));
    }

    #[test]
    fn mounts_are_crossed_both_ways() {
        let ns = tree();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        let mnt = r.resolve(&root, b"/mnt", true).unwrap();
        let inner = Tmpfs::new(2, 1 << 20);
        inner.root().create(b"x", NodeSpec::Regular, 0o644, 0, 0).unwrap();
        ns.mount(&mnt, inner.root(), "tmpfs", false);
        let x = r.resolve(&root, b"/mnt/x", true).unwrap();
        assert_eq!(x.dentry.attr().dev, 2);
        let inner_root = r.resolve(&root, b"/mnt", true).unwrap();
        assert!(inner_root.is_mount_root());
        let back = r.resolve(&inner_root, b"../d", true).unwrap();
        assert_eq!(back.dentry.attr().dev, 1);
        let top = r.resolve(&root, b"/mnt/..", true).unwrap();
        assert!(top.same(&root));
        let mut strict = Resolver::new(&ns, root.clone(), &c).restricted(Restrict { no_xdev: true, ..Restrict::default() }, &root);
        assert_eq!(strict.resolve(&root, b"/mnt/x", true).err(), Some(EXDEV));
    }

    #[test]
    fn search_permission_is_needed_on_every_directory() {
        let ns = tree();
        let root = ns.root();
        let c = Credentials::fixed(1000);
        let d = Resolver::new(&ns, root.clone(), &c).resolve(&root, b"/d", true).unwrap();
        d.inode().setattr(&crate::vfs::inode::SetAttr { mode: Some(0o700), ..Default::default() }).unwrap();
        let mut r = Resolver::new(&ns, root.clone(), &c);
        assert_eq!(r.resolve(&root, b"/d/f", true).err(), Some(abi::errno::EACCES));
        assert!(r.resolve(&root, b"/d", true).is_ok());
    }

    /// A link that names a file: `/proc/self/fd/N` without procfs.
    struct Magic(Result<Location, Errno>);

    impl crate::vfs::inode::Inode for Magic {
        fn attr(&self) -> crate::vfs::inode::Attr {
            crate::vfs::inode::Attr { mode: mode::S_IFLNK | 0o700, ..Default::default() }
        }

        fn readlink(&self) -> Result<Vec<u8>, Errno> {
            Ok(b"pipe:[1]".to_vec())
        }

        fn jump(&self) -> Option<Result<Location, Errno>> {
            Some(self.0.clone())
        }

        fn statfs(&self) -> abi::fs::Statfs {
            abi::fs::Statfs::default()
        }
    }

    /// `name` in the root, a link that leads to `to`.
    fn magic(ns: &MountNamespace, name: &[u8], to: Result<Location, Errno>) {
        let root = ns.root();
        root.inode().create(name, NodeSpec::Directory, 0o755, 0, 0).unwrap();
        let c = Credentials::fixed(0);
        let at = Resolver::new(ns, root.clone(), &c).resolve(&root, name, false).unwrap();
        ns.mount(&at, std::sync::Arc::new(Magic(to)), "magic", false);
    }

    #[test]
    fn links_that_name_files_jump_and_obey_the_restrictions() {
        let ns = tree();
        let c = Credentials::fixed(0);
        let root = ns.root();
        let f = Resolver::new(&ns, root.clone(), &c).resolve(&root, b"/d/f", true).unwrap();
        magic(&ns, b"m", Ok(f.clone()));
        magic(&ns, b"denied", Err(abi::errno::EACCES));
        let mut r = Resolver::new(&ns, root.clone(), &c);
        assert!(r.resolve(&root, b"/m", true).unwrap().same(&f), "the text pipe:[1] is never resolved");
        assert!(r.resolve(&root, b"/m", false).unwrap().dentry.attr().is_symlink());
        assert_eq!(r.resolve(&root, b"/denied", true).err(), Some(abi::errno::EACCES));
        let no_magic = Restrict { no_magiclinks: true, ..Restrict::default() };
        assert_eq!(Resolver::new(&ns, root.clone(), &c).restricted(no_magic, &root).resolve(&root, b"/m", true).err(), Some(ELOOP));
        let no_links = Restrict { no_symlinks: true, ..Restrict::default() };
        assert_eq!(Resolver::new(&ns, root.clone(), &c).restricted(no_links, &root).resolve(&root, b"/m", true).err(), Some(ELOOP));
        // With O_CREAT the link leads to the file, which is not made anew.
        let opened = crate::vfs::ops::open(&mut r, &root, b"/m", abi::fs::o::CREAT | abi::fs::o::WRONLY, 0o644).unwrap();
        assert!(opened.loc.same(&f) && !opened.created);
        let excl = abi::fs::o::CREAT | abi::fs::o::EXCL | abi::fs::o::WRONLY;
        assert_eq!(crate::vfs::ops::open(&mut r, &root, b"/m", excl, 0o644).err(), Some(abi::errno::EEXIST));
    }
}
