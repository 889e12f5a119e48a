//! Linux errno values, generated from `asm-generic/errno*.h`.

use crate::Errno;

/// `EPERM`
pub const EPERM: Errno = Errno(1);
/// `ENOENT`
pub const ENOENT: Errno = Errno(2);
/// `ESRCH`
pub const ESRCH: Errno = Errno(3);
/// `EINTR`
pub const EINTR: Errno = Errno(4);
/// `EIO`
pub const EIO: Errno = Errno(5);
/// `ENXIO`
pub const ENXIO: Errno = Errno(6);
/// `E2BIG`
pub const E2BIG: Errno = Errno(7);
/// `ENOEXEC`
pub const ENOEXEC: Errno = Errno(8);
/// `EBADF`
pub const EBADF: Errno = Errno(9);
/// `ECHILD`
pub const ECHILD: Errno = Errno(10);
/// `EAGAIN`
pub const EAGAIN: Errno = Errno(11);
/// `ENOMEM`
pub const ENOMEM: Errno = Errno(12);
/// `EACCES`
pub const EACCES: Errno = Errno(13);
/// `EFAULT`
pub const EFAULT: Errno = Errno(14);
/// `ENOTBLK`
pub const ENOTBLK: Errno = Errno(15);
/// `EBUSY`
pub const EBUSY: Errno = Errno(16);
/// `EEXIST`
pub const EEXIST: Errno = Errno(17);
/// `EXDEV`
pub const EXDEV: Errno = Errno(18);
/// `ENODEV`
pub const ENODEV: Errno = Errno(19);
/// `ENOTDIR`
pub const ENOTDIR: Errno = Errno(20);
/// `EISDIR`
pub const EISDIR: Errno = Errno(21);
/// `EINVAL`
pub const EINVAL: Errno = Errno(22);
/// `ENFILE`
pub const ENFILE: Errno = Errno(23);
/// `EMFILE`
pub const EMFILE: Errno = Errno(24);
/// `ENOTTY`
pub const ENOTTY: Errno = Errno(25);
/// `ETXTBSY`
pub const ETXTBSY: Errno = Errno(26);
/// `EFBIG`
pub const EFBIG: Errno = Errno(27);
/// `ENOSPC`
pub const ENOSPC: Errno = Errno(28);
/// `ESPIPE`
pub const ESPIPE: Errno = Errno(29);
/// `EROFS`
pub const EROFS: Errno = Errno(30);
/// `EMLINK`
pub const EMLINK: Errno = Errno(31);
/// `EPIPE`
pub const EPIPE: Errno = Errno(32);
/// `EDOM`
pub const EDOM: Errno = Errno(33);
/// `ERANGE`
pub const ERANGE: Errno = Errno(34);
/// `EDEADLK`
pub const EDEADLK: Errno = Errno(35);
/// `ENAMETOOLONG`
pub const ENAMETOOLONG: Errno = Errno(36);
/// `ENOLCK`
pub const ENOLCK: Errno = Errno(37);
/// `ENOSYS`
pub const ENOSYS: Errno = Errno(38);
/// `ENOTEMPTY`
pub const ENOTEMPTY: Errno = Errno(39);
/// `ELOOP`
pub const ELOOP: Errno = Errno(40);
/// `EWOULDBLOCK` (alias of `EAGAIN`)
pub const EWOULDBLOCK: Errno = EAGAIN;
/// `ENOMSG`
pub const ENOMSG: Errno = Errno(42);
/// `EIDRM`
pub const EIDRM: Errno = Errno(43);
/// `ECHRNG`
pub const ECHRNG: Errno = Errno(44);
/// `EL2NSYNC`
pub const EL2NSYNC: Errno = Errno(45);
/// `EL3HLT`
pub const EL3HLT: Errno = Errno(46);
/// `EL3RST`
pub const EL3RST: Errno = Errno(47);
/// `ELNRNG`
pub const ELNRNG: Errno = Errno(48);
/// `EUNATCH`
pub const EUNATCH: Errno = Errno(49);
/// `ENOCSI`
pub const ENOCSI: Errno = Errno(50);
/// `EL2HLT`
pub const EL2HLT: Errno = Errno(51);
/// `EBADE`
pub const EBADE: Errno = Errno(52);
/// `EBADR`
pub const EBADR: Errno = Errno(53);
/// `EXFULL`
pub const EXFULL: Errno = Errno(54);
/// `ENOANO`
pub const ENOANO: Errno = Errno(55);
/// `EBADRQC`
pub const EBADRQC: Errno = Errno(56);
/// `EBADSLT`
pub const EBADSLT: Errno = Errno(57);
/// `EDEADLOCK` (alias of `EDEADLK`)
pub const EDEADLOCK: Errno = EDEADLK;
/// `EBFONT`
pub const EBFONT: Errno = Errno(59);
/// `ENOSTR`
pub const ENOSTR: Errno = Errno(60);
/// `ENODATA`
pub const ENODATA: Errno = Errno(61);
/// `ETIME`
pub const ETIME: Errno = Errno(62);
/// `ENOSR`
pub const ENOSR: Errno = Errno(63);
/// `ENONET`
pub const ENONET: Errno = Errno(64);
/// `ENOPKG`
pub const ENOPKG: Errno = Errno(65);
/// `EREMOTE`
pub const EREMOTE: Errno = Errno(66);
/// `ENOLINK`
pub const ENOLINK: Errno = Errno(67);
/// `EADV`
pub const EADV: Errno = Errno(68);
/// `ESRMNT`
pub const ESRMNT: Errno = Errno(69);
/// `ECOMM`
pub const ECOMM: Errno = Errno(70);
/// `EPROTO`
pub const EPROTO: Errno = Errno(71);
/// `EMULTIHOP`
pub const EMULTIHOP: Errno = Errno(72);
/// `EDOTDOT`
pub const EDOTDOT: Errno = Errno(73);
/// `EBADMSG`
pub const EBADMSG: Errno = Errno(74);
/// `EOVERFLOW`
pub const EOVERFLOW: Errno = Errno(75);
/// `ENOTUNIQ`
pub const ENOTUNIQ: Errno = Errno(76);
/// `EBADFD`
pub const EBADFD: Errno = Errno(77);
/// `EREMCHG`
pub const EREMCHG: Errno = Errno(78);
/// `ELIBACC`
pub const ELIBACC: Errno = Errno(79);
/// `ELIBBAD`
pub const ELIBBAD: Errno = Errno(80);
/// `ELIBSCN`
pub const ELIBSCN: Errno = Errno(81);
/// `ELIBMAX`
pub const ELIBMAX: Errno = Errno(82);
/// `ELIBEXEC`
pub const ELIBEXEC: Errno = Errno(83);
/// `EILSEQ`
pub const EILSEQ: Errno = Errno(84);
/// `ERESTART`
pub const ERESTART: Errno = Errno(85);
/// `ESTRPIPE`
pub const ESTRPIPE: Errno = Errno(86);
/// `EUSERS`
pub const EUSERS: Errno = Errno(87);
/// `ENOTSOCK`
pub const ENOTSOCK: Errno = Errno(88);
/// `EDESTADDRREQ`
pub const EDESTADDRREQ: Errno = Errno(89);
/// `EMSGSIZE`
pub const EMSGSIZE: Errno = Errno(90);
/// `EPROTOTYPE`
pub const EPROTOTYPE: Errno = Errno(91);
/// `ENOPROTOOPT`
pub const ENOPROTOOPT: Errno = Errno(92);
/// `EPROTONOSUPPORT`
pub const EPROTONOSUPPORT: Errno = Errno(93);
/// `ESOCKTNOSUPPORT`
pub const ESOCKTNOSUPPORT: Errno = Errno(94);
/// `EOPNOTSUPP`
pub const EOPNOTSUPP: Errno = Errno(95);
/// `EPFNOSUPPORT`
pub const EPFNOSUPPORT: Errno = Errno(96);
/// `EAFNOSUPPORT`
pub const EAFNOSUPPORT: Errno = Errno(97);
/// `EADDRINUSE`
pub const EADDRINUSE: Errno = Errno(98);
/// `EADDRNOTAVAIL`
pub const EADDRNOTAVAIL: Errno = Errno(99);
/// `ENETDOWN`
pub const ENETDOWN: Errno = Errno(100);
/// `ENETUNREACH`
pub const ENETUNREACH: Errno = Errno(101);
/// `ENETRESET`
pub const ENETRESET: Errno = Errno(102);
/// `ECONNABORTED`
pub const ECONNABORTED: Errno = Errno(103);
/// `ECONNRESET`
pub const ECONNRESET: Errno = Errno(104);
/// `ENOBUFS`
pub const ENOBUFS: Errno = Errno(105);
/// `EISCONN`
pub const EISCONN: Errno = Errno(106);
/// `ENOTCONN`
pub const ENOTCONN: Errno = Errno(107);
/// `ESHUTDOWN`
pub const ESHUTDOWN: Errno = Errno(108);
/// `ETOOMANYREFS`
pub const ETOOMANYREFS: Errno = Errno(109);
/// `ETIMEDOUT`
pub const ETIMEDOUT: Errno = Errno(110);
/// `ECONNREFUSED`
pub const ECONNREFUSED: Errno = Errno(111);
/// `EHOSTDOWN`
pub const EHOSTDOWN: Errno = Errno(112);
/// `EHOSTUNREACH`
pub const EHOSTUNREACH: Errno = Errno(113);
/// `EALREADY`
pub const EALREADY: Errno = Errno(114);
/// `EINPROGRESS`
pub const EINPROGRESS: Errno = Errno(115);
/// `ESTALE`
pub const ESTALE: Errno = Errno(116);
/// `EUCLEAN`
pub const EUCLEAN: Errno = Errno(117);
/// `ENOTNAM`
pub const ENOTNAM: Errno = Errno(118);
/// `ENAVAIL`
pub const ENAVAIL: Errno = Errno(119);
/// `EISNAM`
pub const EISNAM: Errno = Errno(120);
/// `EREMOTEIO`
pub const EREMOTEIO: Errno = Errno(121);
/// `EDQUOT`
pub const EDQUOT: Errno = Errno(122);
/// `ENOMEDIUM`
pub const ENOMEDIUM: Errno = Errno(123);
/// `EMEDIUMTYPE`
pub const EMEDIUMTYPE: Errno = Errno(124);
/// `ECANCELED`
pub const ECANCELED: Errno = Errno(125);
/// `ENOKEY`
pub const ENOKEY: Errno = Errno(126);
/// `EKEYEXPIRED`
pub const EKEYEXPIRED: Errno = Errno(127);
/// `EKEYREVOKED`
pub const EKEYREVOKED: Errno = Errno(128);
/// `EKEYREJECTED`
pub const EKEYREJECTED: Errno = Errno(129);
/// `EOWNERDEAD`
pub const EOWNERDEAD: Errno = Errno(130);
/// `ENOTRECOVERABLE`
pub const ENOTRECOVERABLE: Errno = Errno(131);
/// `ERFKILL`
pub const ERFKILL: Errno = Errno(132);
/// `EHWPOISON`
pub const EHWPOISON: Errno = Errno(133);
