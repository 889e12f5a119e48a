//! Credentials: who a task acts as.
//!
//! User and group ids (real, effective, saved, filesystem), supplementary
//! groups, capability sets and securebits, with the rules Linux applies
//! when they change: credentials(7), capabilities(7) ("Effect of user ID
//! changes on capabilities") and `kernel/sys.c`, `kernel/capability.c`,
//! `security/commoncap.c`. Every method that changes something either
//! succeeds completely or leaves the credentials untouched.
//!
//! The sandbox is a single user namespace whose ids map one to one, so the
//! only invalid id is `(uid_t)-1`, which most calls read as "unchanged".

use abi::errno::{EINVAL, EPERM};
use abi::Errno;

/// Capability numbers (capabilities(7)), those the model checks.
pub mod cap {
    /// `CAP_CHOWN`.
    pub const CHOWN: u32 = 0;
    /// `CAP_DAC_OVERRIDE`.
    pub const DAC_OVERRIDE: u32 = 1;
    /// `CAP_DAC_READ_SEARCH`.
    pub const DAC_READ_SEARCH: u32 = 2;
    /// `CAP_FOWNER`.
    pub const FOWNER: u32 = 3;
    /// `CAP_FSETID`.
    pub const FSETID: u32 = 4;
    /// `CAP_KILL`: signal any process.
    pub const KILL: u32 = 5;
    /// `CAP_SETGID`: set*gid and setgroups beyond one's own ids.
    pub const SETGID: u32 = 6;
    /// `CAP_SETUID`: set*uid beyond one's own ids.
    pub const SETUID: u32 = 7;
    /// `CAP_SETPCAP`: bounding-set drops, inheritable beyond permitted,
    /// securebits.
    pub const SETPCAP: u32 = 8;
    /// `CAP_LINUX_IMMUTABLE`.
    pub const LINUX_IMMUTABLE: u32 = 9;
    /// `CAP_NET_BIND_SERVICE`: binding ports below 1024.
    pub const NET_BIND_SERVICE: u32 = 10;
    /// `CAP_NET_ADMIN`: socket options past the limits (`SO_SNDBUFFORCE`),
    /// socket priorities above 6, `SO_DEBUG`.
    pub const NET_ADMIN: u32 = 12;
    /// `CAP_NET_RAW`: raw sockets.
    pub const NET_RAW: u32 = 13;
    /// `CAP_SYS_PTRACE`: inspect any process (`/proc/PID/environ`, ...).
    pub const SYS_PTRACE: u32 = 19;
    /// `CAP_SYS_ADMIN`: sethostname, setdomainname and much else.
    pub const SYS_ADMIN: u32 = 21;
    /// `CAP_SYS_NICE`: scheduling policies and priorities.
    pub const SYS_NICE: u32 = 23;
    /// `CAP_SYS_RESOURCE`: raising hard resource limits.
    pub const SYS_RESOURCE: u32 = 24;
    /// `CAP_MKNOD`.
    pub const MKNOD: u32 = 27;
    /// `CAP_MAC_OVERRIDE`.
    pub const MAC_OVERRIDE: u32 = 32;
}

/// The highest capability number the sandbox knows (`CAP_CHECKPOINT_RESTORE`).
pub const CAP_LAST_CAP: u32 = 40;

/// Every capability the sandbox knows, as a mask.
pub const CAP_VALID_MASK: u64 = (1u64 << (CAP_LAST_CAP + 1)) - 1;

/// The capabilities that follow the filesystem user id (`CAP_FS_SET`):
/// dropped from the effective set when the fsuid leaves 0, raised again
/// (from the permitted set) when it returns.
pub const CAP_FS_SET: u64 = bit(cap::CHOWN)
    | bit(cap::MKNOD)
    | bit(cap::DAC_OVERRIDE)
    | bit(cap::DAC_READ_SEARCH)
    | bit(cap::FOWNER)
    | bit(cap::FSETID)
    | bit(cap::MAC_OVERRIDE)
    | bit(cap::LINUX_IMMUTABLE);

/// `NGROUPS_MAX`: the most supplementary groups a process may have.
pub const NGROUPS_MAX: usize = 65536;

/// Securebits (`<linux/securebits.h>`), as `PR_GET_SECUREBITS` reports them.
pub mod secbit {
    /// `SECBIT_NOROOT`: uid 0 gets no capabilities at execve.
    pub const NOROOT: u32 = 1 << 0;
    /// `SECBIT_NO_SETUID_FIXUP`: uid changes leave capabilities alone.
    pub const NO_SETUID_FIXUP: u32 = 1 << 2;
    /// `SECBIT_KEEP_CAPS`: leaving uid 0 keeps the permitted set.
    pub const KEEP_CAPS: u32 = 1 << 4;
    /// `SECBIT_KEEP_CAPS_LOCKED`.
    pub const KEEP_CAPS_LOCKED: u32 = 1 << 5;
    /// `SECBIT_NO_CAP_AMBIENT_RAISE`: `PR_CAP_AMBIENT_RAISE` is refused.
    pub const NO_CAP_AMBIENT_RAISE: u32 = 1 << 6;
    /// `SECURE_ALL_BITS`: every bit the sandbox supports (Linux 6.1's).
    pub const ALL_BITS: u32 = 0x55;
    /// `SECURE_ALL_LOCKS`: the lock bit of each of them.
    pub const ALL_LOCKS: u32 = ALL_BITS << 1;
}

/// The mask of capability `c` (which must be at most 63).
pub const fn bit(c: u32) -> u64 {
    1u64 << c
}

/// The only id no user namespace maps.
const INVALID_ID: u32 = u32::MAX;

/// "Leave this id unchanged" in set*id arguments.
const UNCHANGED: u32 = u32::MAX;

/// A process's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Real user id.
    pub uid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Saved set-user-id.
    pub suid: u32,
    /// Filesystem user id.
    pub fsuid: u32,
    /// Real group id.
    pub gid: u32,
    /// Effective group id.
    pub egid: u32,
    /// Saved set-group-id.
    pub sgid: u32,
    /// Filesystem group id.
    pub fsgid: u32,
    /// Supplementary groups, sorted (as Linux keeps them).
    pub groups: Vec<u32>,
    /// Effective capabilities: those checked.
    pub cap_effective: u64,
    /// Permitted capabilities: the ceiling of the effective set.
    pub cap_permitted: u64,
    /// Inheritable capabilities: kept across execve of capable files.
    pub cap_inheritable: u64,
    /// Bounding set: the ceiling of what execve can grant.
    pub cap_bounding: u64,
    /// Ambient capabilities: kept across execve of ordinary files.
    pub cap_ambient: u64,
    /// Securebits (see [`secbit`]).
    pub securebits: u32,
}

impl Credentials {
    /// The credentials the sandbox's first process gets: the ids and
    /// groups of the user who started the sandbox, and the capabilities
    /// Linux would give a program that user executes: for root (real or
    /// effective uid 0) the whole bounding set, which is the full set
    /// unless the host restricted it; for anyone else none. The bounding
    /// and inheritable sets are the host's.
    pub fn of_host_user() -> Credentials {
        use nix::unistd::{getegid, geteuid, getgid, getgroups, getresgid, getresuid, getuid};
        let (uid, euid, suid) = getresuid()
            .map(|r| (r.real.as_raw(), r.effective.as_raw(), r.saved.as_raw()))
            .unwrap_or_else(|_| (getuid().as_raw(), geteuid().as_raw(), geteuid().as_raw()));
        let (gid, egid, sgid) = getresgid()
            .map(|g| (g.real.as_raw(), g.effective.as_raw(), g.saved.as_raw()))
            .unwrap_or_else(|_| (getgid().as_raw(), getegid().as_raw(), getegid().as_raw()));
        let host = HostCaps::read();
        let mut groups: Vec<u32> = getgroups().unwrap_or_default().into_iter().map(|g| g.as_raw()).collect();
        groups.sort_unstable();
        let mut c = Credentials {
            uid,
            euid,
            suid,
            fsuid: euid,
            gid,
            egid,
            sgid,
            fsgid: egid,
            groups,
            cap_effective: 0,
            cap_permitted: 0,
            cap_inheritable: host.inheritable & CAP_VALID_MASK,
            cap_bounding: host.bounding & CAP_VALID_MASK,
            cap_ambient: 0,
            securebits: 0,
        };
        if uid == 0 || euid == 0 {
            c.cap_permitted = c.cap_bounding | c.cap_inheritable;
            if euid == 0 {
                c.cap_effective = c.cap_permitted;
            }
        }
        c
    }

    /// Credentials with every id `id`, no groups and, for id 0, every
    /// capability (for tests and for kernels built without a host user).
    pub fn fixed(id: u32) -> Credentials {
        let caps = if id == 0 { CAP_VALID_MASK } else { 0 };
        Credentials {
            uid: id,
            euid: id,
            suid: id,
            fsuid: id,
            gid: id,
            egid: id,
            sgid: id,
            fsgid: id,
            groups: Vec::new(),
            cap_effective: caps,
            cap_permitted: caps,
            cap_inheritable: 0,
            cap_bounding: CAP_VALID_MASK,
            cap_ambient: 0,
            securebits: 0,
        }
    }

    /// Whether the effective user id is 0 (which is not the same as
    /// holding capabilities: check [`Credentials::has_cap`] for privilege).
    pub fn is_root(&self) -> bool {
        self.euid == 0
    }

    /// Whether capability `c` is in the effective set: Linux's `capable()`.
    pub fn has_cap(&self, c: u32) -> bool {
        c <= CAP_LAST_CAP && self.cap_effective & bit(c) != 0
    }

    /// Whether `gid` is the effective group id or a supplementary group
    /// (`in_egroup_p`).
    pub fn in_group(&self, gid: u32) -> bool {
        self.egid == gid || self.groups.binary_search(&gid).is_ok()
    }

    /// Whether a process acting as `self` may inspect another one (not of
    /// its own thread group) whose credentials are `target`, as Linux's
    /// `ptrace_may_access` with `PTRACE_MODE_READ_FSCREDS` decides for
    /// `/proc`: the caller's filesystem ids equal all the target's real,
    /// effective and saved ids, and the target is dumpable; or the caller
    /// holds `CAP_SYS_PTRACE`.
    pub fn may_inspect(&self, target: &Credentials, target_dumpable: bool) -> bool {
        if self.has_cap(cap::SYS_PTRACE) {
            return true;
        }
        let same_user = [target.uid, target.euid, target.suid].iter().all(|&u| u == self.fsuid);
        let same_group = [target.gid, target.egid, target.sgid].iter().all(|&g| g == self.fsgid);
        same_user && same_group && target_dumpable
    }

    /// Whether a change from `old` to `self` makes Linux reset the
    /// process's dumpable flag and parent-death signal (`commit_creds`):
    /// a new effective or filesystem id, or permitted capabilities gained.
    pub fn changes_dumpability(&self, old: &Credentials) -> bool {
        self.euid != old.euid
            || self.egid != old.egid
            || self.fsuid != old.fsuid
            || self.fsgid != old.fsgid
            || self.cap_permitted & !old.cap_permitted != 0
    }

    fn secure(&self, bits: u32) -> bool {
        self.securebits & bits != 0
    }

    /// `cap_emulate_setxuid`: the capability changes that follow a change
    /// of the real, effective or saved user id from `old`.
    fn fix_setuid(&mut self, old: &Credentials) {
        if self.secure(secbit::NO_SETUID_FIXUP) {
            return;
        }
        let old_had_root = old.uid == 0 || old.euid == 0 || old.suid == 0;
        let new_has_root = self.uid == 0 || self.euid == 0 || self.suid == 0;
        if old_had_root && !new_has_root {
            if !self.secure(secbit::KEEP_CAPS) {
                self.cap_permitted = 0;
                self.cap_effective = 0;
            }
            self.cap_ambient = 0;
        }
        if old.euid == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if old.euid != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
    }

    /// The capability changes that follow a change of the filesystem user id.
    fn fix_setfsuid(&mut self, old: &Credentials) {
        if self.secure(secbit::NO_SETUID_FIXUP) {
            return;
        }
        if old.fsuid == 0 && self.fsuid != 0 {
            self.cap_effective &= !CAP_FS_SET;
        }
        if old.fsuid != 0 && self.fsuid == 0 {
            self.cap_effective |= self.cap_permitted & CAP_FS_SET;
        }
    }

    /// `setuid(uid)`.
    pub fn setuid(&mut self, uid: u32) -> Result<(), Errno> {
        if uid == INVALID_ID {
            return Err(EINVAL);
        }
        let mut new = self.clone();
        if self.has_cap(cap::SETUID) {
            new.uid = uid;
            new.suid = uid;
        } else if uid != self.uid && uid != self.suid {
            return Err(EPERM);
        }
        new.euid = uid;
        new.fsuid = uid;
        new.fix_setuid(self);
        *self = new;
        Ok(())
    }

    /// `setreuid(ruid, euid)`; `-1` leaves an id unchanged.
    pub fn setreuid(&mut self, ruid: u32, euid: u32) -> Result<(), Errno> {
        let privileged = self.has_cap(cap::SETUID);
        let mut new = self.clone();
        if ruid != UNCHANGED {
            if ruid != self.uid && ruid != self.euid && !privileged {
                return Err(EPERM);
            }
            new.uid = ruid;
        }
        if euid != UNCHANGED {
            if euid != self.uid && euid != self.euid && euid != self.suid && !privileged {
                return Err(EPERM);
            }
            new.euid = euid;
        }
        if ruid != UNCHANGED || (euid != UNCHANGED && euid != self.uid) {
            new.suid = new.euid;
        }
        new.fsuid = new.euid;
        new.fix_setuid(self);
        *self = new;
        Ok(())
    }

    /// `setresuid(ruid, euid, suid)`; `-1` leaves an id unchanged.
    pub fn setresuid(&mut self, ruid: u32, euid: u32, suid: u32) -> Result<(), Errno> {
        let unchanged_or = |id: u32, same: bool| id == UNCHANGED || same;
        if unchanged_or(ruid, ruid == self.uid)
            && unchanged_or(euid, euid == self.euid && euid == self.fsuid)
            && unchanged_or(suid, suid == self.suid)
        {
            return Ok(());
        }
        let is_new = |id: u32| id != UNCHANGED && id != self.uid && id != self.euid && id != self.suid;
        if (is_new(ruid) || is_new(euid) || is_new(suid)) && !self.has_cap(cap::SETUID) {
            return Err(EPERM);
        }
        let mut new = self.clone();
        if ruid != UNCHANGED {
            new.uid = ruid;
        }
        if euid != UNCHANGED {
            new.euid = euid;
        }
        if suid != UNCHANGED {
            new.suid = suid;
        }
        new.fsuid = new.euid;
        new.fix_setuid(self);
        *self = new;
        Ok(())
    }

    /// `setfsuid(fsuid)`: returns the previous filesystem user id, whether
    /// or not the change was allowed (the call never fails).
    pub fn setfsuid(&mut self, fsuid: u32) -> u32 {
        let old_fsuid = self.fsuid;
        if fsuid == INVALID_ID || fsuid == self.fsuid {
            return old_fsuid;
        }
        let allowed = fsuid == self.uid || fsuid == self.euid || fsuid == self.suid || self.has_cap(cap::SETUID);
        if allowed {
            let mut new = self.clone();
            new.fsuid = fsuid;
            new.fix_setfsuid(self);
            *self = new;
        }
        old_fsuid
    }

    /// `setgid(gid)`.
    pub fn setgid(&mut self, gid: u32) -> Result<(), Errno> {
        if gid == INVALID_ID {
            return Err(EINVAL);
        }
        if self.has_cap(cap::SETGID) {
            self.gid = gid;
            self.egid = gid;
            self.sgid = gid;
            self.fsgid = gid;
        } else if gid == self.gid || gid == self.sgid {
            self.egid = gid;
            self.fsgid = gid;
        } else {
            return Err(EPERM);
        }
        Ok(())
    }

    /// `setregid(rgid, egid)`; `-1` leaves an id unchanged.
    pub fn setregid(&mut self, rgid: u32, egid: u32) -> Result<(), Errno> {
        let privileged = self.has_cap(cap::SETGID);
        let mut new = self.clone();
        if rgid != UNCHANGED {
            if rgid != self.gid && rgid != self.egid && !privileged {
                return Err(EPERM);
            }
            new.gid = rgid;
        }
        if egid != UNCHANGED {
            if egid != self.gid && egid != self.egid && egid != self.sgid && !privileged {
                return Err(EPERM);
            }
            new.egid = egid;
        }
        if rgid != UNCHANGED || (egid != UNCHANGED && egid != self.gid) {
            new.sgid = new.egid;
        }
        new.fsgid = new.egid;
        *self = new;
        Ok(())
    }

    /// `setresgid(rgid, egid, sgid)`; `-1` leaves an id unchanged.
    pub fn setresgid(&mut self, rgid: u32, egid: u32, sgid: u32) -> Result<(), Errno> {
        let unchanged_or = |id: u32, same: bool| id == UNCHANGED || same;
        if unchanged_or(rgid, rgid == self.gid)
            && unchanged_or(egid, egid == self.egid && egid == self.fsgid)
            && unchanged_or(sgid, sgid == self.sgid)
        {
            return Ok(());
        }
        let is_new = |id: u32| id != UNCHANGED && id != self.gid && id != self.egid && id != self.sgid;
        if (is_new(rgid) || is_new(egid) || is_new(sgid)) && !self.has_cap(cap::SETGID) {
            return Err(EPERM);
        }
        if rgid != UNCHANGED {
            self.gid = rgid;
        }
        if egid != UNCHANGED {
            self.egid = egid;
        }
        if sgid != UNCHANGED {
            self.sgid = sgid;
        }
        self.fsgid = self.egid;
        Ok(())
    }

    /// `setfsgid(fsgid)`: returns the previous filesystem group id, whether
    /// or not the change was allowed.
    pub fn setfsgid(&mut self, fsgid: u32) -> u32 {
        let old_fsgid = self.fsgid;
        if fsgid == INVALID_ID || fsgid == self.fsgid {
            return old_fsgid;
        }
        if fsgid == self.gid || fsgid == self.egid || fsgid == self.sgid || self.has_cap(cap::SETGID) {
            self.fsgid = fsgid;
        }
        old_fsgid
    }

    /// Checks that the caller may call `setgroups` with `count` groups:
    /// EPERM without `CAP_SETGID` (checked first, as Linux does), EINVAL
    /// beyond [`NGROUPS_MAX`].
    pub fn may_setgroups(&self, count: usize) -> Result<(), Errno> {
        if !self.has_cap(cap::SETGID) {
            return Err(EPERM);
        }
        if count > NGROUPS_MAX {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// `setgroups`, once [`Credentials::may_setgroups`] has allowed it:
    /// EINVAL for an invalid group id; the list is kept sorted.
    pub fn set_groups(&mut self, mut groups: Vec<u32>) -> Result<(), Errno> {
        if groups.contains(&INVALID_ID) {
            return Err(EINVAL);
        }
        groups.sort_unstable();
        self.groups = groups;
        Ok(())
    }

    /// `capset` on oneself (`cap_capset`): the new sets must stay within
    /// what the old ones allow, else EPERM. Bits beyond [`CAP_LAST_CAP`]
    /// are ignored.
    pub fn capset(&mut self, effective: u64, permitted: u64, inheritable: u64) -> Result<(), Errno> {
        let (effective, permitted, inheritable) =
            (effective & CAP_VALID_MASK, permitted & CAP_VALID_MASK, inheritable & CAP_VALID_MASK);
        let subset = |a: u64, b: u64| a & !b == 0;
        if !self.has_cap(cap::SETPCAP) && !subset(inheritable, self.cap_inheritable | self.cap_permitted) {
            return Err(EPERM);
        }
        if !subset(inheritable, self.cap_inheritable | self.cap_bounding) {
            return Err(EPERM);
        }
        if !subset(permitted, self.cap_permitted) {
            return Err(EPERM);
        }
        if !subset(effective, permitted) {
            return Err(EPERM);
        }
        self.cap_effective = effective;
        self.cap_permitted = permitted;
        self.cap_inheritable = inheritable;
        self.cap_ambient &= permitted & inheritable;
        Ok(())
    }

    /// `PR_CAPBSET_DROP`: EPERM without `CAP_SETPCAP`, EINVAL for an
    /// unknown capability (checked in that order).
    pub fn drop_bounding(&mut self, c: u64) -> Result<(), Errno> {
        if !self.has_cap(cap::SETPCAP) {
            return Err(EPERM);
        }
        if c > CAP_LAST_CAP as u64 {
            return Err(EINVAL);
        }
        self.cap_bounding &= !bit(c as u32);
        Ok(())
    }

    /// `PR_SET_KEEPCAPS`: `keep` must be 0 or 1 (EINVAL); EPERM once the
    /// flag is locked.
    pub fn set_keepcaps(&mut self, keep: u64) -> Result<(), Errno> {
        if keep > 1 {
            return Err(EINVAL);
        }
        if self.secure(secbit::KEEP_CAPS_LOCKED) {
            return Err(EPERM);
        }
        if keep == 1 {
            self.securebits |= secbit::KEEP_CAPS;
        } else {
            self.securebits &= !secbit::KEEP_CAPS;
        }
        Ok(())
    }

    /// `PR_SET_SECUREBITS`: EPERM when a locked bit would change, a lock
    /// would be released, an unsupported bit set, or without `CAP_SETPCAP`.
    pub fn set_securebits(&mut self, bits: u64) -> Result<(), Errno> {
        let old = self.securebits as u64;
        let locks = (secbit::ALL_LOCKS) as u64;
        let changes_locked = ((old & locks) >> 1) & (old ^ bits) != 0;
        let unlocks = old & locks & !bits != 0;
        let unsupported = bits & !((secbit::ALL_LOCKS | secbit::ALL_BITS) as u64) != 0;
        if changes_locked || unlocks || unsupported || !self.has_cap(cap::SETPCAP) {
            return Err(EPERM);
        }
        self.securebits = bits as u32;
        Ok(())
    }

    /// `PR_CAP_AMBIENT_RAISE` (`raise`) or `_LOWER` of capability `c`,
    /// which the caller has checked is valid: raising needs the capability
    /// in both the permitted and inheritable sets, else EPERM.
    pub fn set_ambient(&mut self, c: u32, raise: bool) -> Result<(), Errno> {
        if raise {
            let both = self.cap_permitted & self.cap_inheritable;
            if both & bit(c) == 0 || self.secure(secbit::NO_CAP_AMBIENT_RAISE) {
                return Err(EPERM);
            }
            self.cap_ambient |= bit(c);
        } else {
            self.cap_ambient &= !bit(c);
        }
        Ok(())
    }

    /// The credentials after `execve` of a file with no set-id bits and no
    /// file capabilities (`cap_bprm_creds_from_file`): saved and filesystem
    /// ids follow the effective ones; root (unless `SECBIT_NOROOT`) gets
    /// its bounding and inheritable sets as permitted, and as effective if
    /// its effective uid is 0; anyone else keeps only its ambient set;
    /// `SECBIT_KEEP_CAPS` is cleared.
    pub fn exec(&mut self) {
        self.suid = self.euid;
        self.fsuid = self.euid;
        self.sgid = self.egid;
        self.fsgid = self.egid;
        let root = !self.secure(secbit::NOROOT) && (self.uid == 0 || self.euid == 0);
        if root {
            self.cap_permitted = (self.cap_bounding | self.cap_inheritable) | self.cap_ambient;
            self.cap_effective = if self.euid == 0 { self.cap_permitted } else { self.cap_ambient };
        } else {
            self.cap_permitted = self.cap_ambient;
            self.cap_effective = self.cap_ambient;
        }
        self.securebits &= !secbit::KEEP_CAPS;
    }
}

/// The host capability sets the sandbox inherits.
struct HostCaps {
    inheritable: u64,
    bounding: u64,
}

impl HostCaps {
    /// Reads the sentry's own sets from `/proc/self/status`; a field that
    /// cannot be read counts as the full set (bounding) or empty
    /// (inheritable), as on a host without restrictions.
    fn read() -> HostCaps {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        };
        HostCaps { inheritable: field("CapInh:").unwrap_or(0), bounding: field("CapBnd:").unwrap_or(CAP_VALID_MASK) }
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    const ALL: u64 = CAP_VALID_MASK;

    #[test]
    fn inspecting_needs_the_same_ids_and_dumpable_or_cap_sys_ptrace() {
        let root = Credentials::fixed(0);
        let mut user = Credentials::fixed(1000);
        user.setuid(1000).unwrap();
        assert!(root.may_inspect(&user, false), "CAP_SYS_PTRACE");
        assert!(!user.may_inspect(&root, true), "another user");
        assert!(user.may_inspect(&user.clone(), true));
        assert!(!user.may_inspect(&user.clone(), false), "not dumpable");
        let mut saved = user.clone();
        saved.suid = 0;
        assert!(!user.may_inspect(&saved, true), "a saved id differs");
    }

    #[test]
    fn setuid_as_root_sets_every_id_and_drops_all_capabilities() {
        let mut c = Credentials::fixed(0);
        c.setuid(1000).unwrap();
        assert_eq!((c.uid, c.euid, c.suid, c.fsuid), (1000, 1000, 1000, 1000));
        assert_eq!((c.cap_effective, c.cap_permitted), (0, 0));
        assert_eq!(c.setuid(0), Err(EPERM));
        assert_eq!(c.setuid(u32::MAX), Err(EINVAL));
        assert_eq!(c.setuid(1000), Ok(()));
    }

    #[test]
    fn unprivileged_setuid_may_pick_only_real_or_saved() {
        let mut c = Credentials::fixed(5);
        c.uid = 1;
        c.euid = 2;
        c.suid = 3;
        assert_eq!(c.setuid(2), Err(EPERM), "the effective id alone is not enough");
        c.setuid(3).unwrap();
        assert_eq!((c.uid, c.euid, c.suid, c.fsuid), (1, 3, 3, 3));
        c.setuid(1).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (1, 1, 3));
    }

    #[test]
    fn leaving_euid_0_clears_effective_and_returning_restores_it() {
        let mut c = Credentials::fixed(0);
        c.setresuid(UNCHANGED, 1000, UNCHANGED).unwrap();
        assert_eq!((c.cap_effective, c.cap_permitted), (0, ALL));
        assert_eq!(c.fsuid, 1000);
        c.setresuid(UNCHANGED, 0, UNCHANGED).unwrap();
        assert_eq!((c.cap_effective, c.cap_permitted), (ALL, ALL));
    }

    #[test]
    fn keepcaps_keeps_permitted_when_all_ids_leave_0() {
        let mut c = Credentials::fixed(0);
        c.set_keepcaps(1).unwrap();
        c.cap_ambient = bit(3);
        c.setresuid(1, 1, 1).unwrap();
        assert_eq!((c.cap_effective, c.cap_permitted, c.cap_ambient), (0, ALL, 0));
        assert_eq!(c.set_keepcaps(2), Err(EINVAL));
    }

    #[test]
    fn setresuid_permission_and_noop() {
        let mut c = Credentials::fixed(0);
        c.setresuid(10, 20, 30).unwrap();
        assert_eq!((c.cap_effective, c.cap_permitted), (0, 0));
        assert_eq!(c.setresuid(40, UNCHANGED, UNCHANGED), Err(EPERM));
        c.setresuid(30, 10, 20).unwrap();
        assert_eq!((c.uid, c.euid, c.suid, c.fsuid), (30, 10, 20, 10));
        assert_eq!(c.setresuid(UNCHANGED, UNCHANGED, UNCHANGED), Ok(()));
    }

    #[test]
    fn setreuid_saved_id_rules() {
        let mut c = Credentials::fixed(0);
        c.setreuid(1000, UNCHANGED).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (1000, 0, 0));
        c.setreuid(UNCHANGED, 1000).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (1000, 1000, 0), "euid == ruid leaves suid");
        assert_eq!(c.cap_effective, 0);
        c.setreuid(UNCHANGED, 0).unwrap();
        assert_eq!((c.uid, c.euid, c.suid), (1000, 0, 0));
        assert_eq!(c.cap_effective, ALL);
    }

    #[test]
    fn fsuid_moves_the_fs_capabilities() {
        let mut c = Credentials::fixed(0);
        assert_eq!(c.setfsuid(1000), 0);
        assert_eq!(c.cap_effective, ALL & !CAP_FS_SET);
        assert_eq!(c.setfsuid(u32::MAX), 1000);
        assert_eq!(c.setfsuid(0), 1000);
        assert_eq!(c.cap_effective, ALL);
        let mut u = Credentials::fixed(5);
        assert_eq!(u.setfsuid(0), 5);
        assert_eq!(u.fsuid, 5, "an unprivileged setfsuid to a foreign id is ignored");
    }

    #[test]
    fn gid_rules() {
        let mut c = Credentials::fixed(0);
        c.setresgid(1, 2, 3).unwrap();
        assert_eq!((c.gid, c.egid, c.sgid, c.fsgid), (1, 2, 3, 2));
        c.setregid(UNCHANGED, 3).unwrap();
        assert_eq!((c.gid, c.egid, c.sgid), (1, 3, 3));
        assert_eq!(c.setfsgid(7), 3);
        assert_eq!(c.fsgid, 7);
        c.cap_effective = 0;
        assert_eq!(c.setgid(9), Err(EPERM));
        c.setgid(1).unwrap();
        assert_eq!((c.gid, c.egid, c.sgid, c.fsgid), (1, 1, 3, 1));
        assert_eq!(c.setresgid(UNCHANGED, 9, UNCHANGED), Err(EPERM));
        assert_eq!(c.setgid(u32::MAX), Err(EINVAL));
    }

    #[test]
    fn groups_need_setgid_and_are_sorted() {
        let mut c = Credentials::fixed(0);
        assert_eq!(c.may_setgroups(NGROUPS_MAX + 1), Err(EINVAL));
        c.set_groups(vec![30, 10, 20]).unwrap();
        assert_eq!(c.groups, [10, 20, 30]);
        assert!(c.in_group(20) && !c.in_group(25));
        assert_eq!(c.set_groups(vec![1, u32::MAX]), Err(EINVAL));
        c.cap_effective = 0;
        assert_eq!(c.may_setgroups(NGROUPS_MAX + 1), Err(EPERM));
    }

    #[test]
    fn capset_rules() {
        let mut c = Credentials::fixed(0);
        c.capset(bit(1), bit(1) | bit(2), 0).unwrap();
        assert_eq!(c.capset(bit(3), bit(1), 0), Err(EPERM), "effective beyond permitted");
        assert_eq!(c.capset(0, bit(1) | bit(5), 0), Err(EPERM), "permitted grows");
        assert_eq!(c.capset(0, bit(1), bit(7)), Err(EPERM), "inheritable beyond permitted without SETPCAP");
        c.capset(bit(1), bit(1), bit(2)).unwrap();
        assert_eq!(c.cap_inheritable, bit(2));
        c.capset(0, 0, 0).unwrap();
        assert_eq!((c.cap_effective, c.cap_permitted, c.cap_inheritable), (0, 0, 0));
        let mut r = Credentials::fixed(0);
        r.cap_bounding &= !bit(9);
        assert_eq!(r.capset(ALL, ALL, bit(9)), Err(EPERM), "inheritable beyond bounding");
        r.capset(ALL, ALL, bit(8) | (1 << 50)).unwrap();
        assert_eq!(r.cap_inheritable, bit(8), "unknown bits are dropped");
    }

    #[test]
    fn bounding_and_securebits() {
        let mut c = Credentials::fixed(0);
        assert_eq!(c.drop_bounding(41), Err(EINVAL));
        c.drop_bounding(22).unwrap();
        assert_eq!(c.cap_bounding, ALL & !bit(22));
        c.set_securebits((secbit::KEEP_CAPS | secbit::KEEP_CAPS_LOCKED) as u64).unwrap();
        assert_eq!(c.set_keepcaps(0), Err(EPERM));
        assert_eq!(c.set_securebits(secbit::KEEP_CAPS as u64), Err(EPERM), "unlocking");
        assert_eq!(c.set_securebits(1 << 8), Err(EPERM));
        let mut u = Credentials::fixed(1);
        assert_eq!(u.drop_bounding(22), Err(EPERM));
        assert_eq!(u.set_securebits(0), Err(EPERM));
    }

    #[test]
    fn no_setuid_fixup_keeps_capabilities() {
        let mut c = Credentials::fixed(0);
        c.set_securebits(secbit::NO_SETUID_FIXUP as u64).unwrap();
        c.setresuid(1, 1, 1).unwrap();
        assert_eq!((c.cap_effective, c.cap_permitted), (ALL, ALL));
    }

    #[test]
    fn ambient_and_exec() {
        let mut c = Credentials::fixed(0);
        assert_eq!(c.set_ambient(4, true), Err(EPERM), "not inheritable");
        c.capset(ALL, ALL, bit(4)).unwrap();
        c.set_ambient(4, true).unwrap();
        c.set_keepcaps(1).unwrap();
        c.setresuid(UNCHANGED, 5, UNCHANGED).unwrap();
        c.exec();
        assert_eq!((c.suid, c.fsuid), (5, 5));
        assert_eq!((c.cap_permitted, c.cap_effective), (ALL, bit(4)), "ruid 0 gets the bounding set");
        assert_eq!(c.securebits & secbit::KEEP_CAPS, 0);
        let mut u = Credentials::fixed(3);
        u.exec();
        assert_eq!((u.cap_permitted, u.cap_effective), (0, 0));
    }

    #[test]
    fn dumpability() {
        let old = Credentials::fixed(0);
        let mut new = old.clone();
        assert!(!new.changes_dumpability(&old));
        new.set_groups(vec![4]).unwrap();
        assert!(!new.changes_dumpability(&old));
        new.setresuid(0, 1, 0).unwrap();
        assert!(new.changes_dumpability(&old));
    }

    #[test]
    fn host_user() {
        let c = Credentials::of_host_user();
        assert_eq!(c.uid, nix::unistd::getuid().as_raw());
        assert_eq!(c.cap_bounding & !CAP_VALID_MASK, 0);
        assert_eq!(c.cap_effective & !c.cap_permitted, 0);
        assert!(c.groups.windows(2).all(|w| w[0] <= w[1]));
    }
}
