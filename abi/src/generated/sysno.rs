//! x86_64 system call numbers, generated from Linux's `asm/unistd_64.h`.
//!
//! Regenerate rather than edit; numbers 452.. were added from the upstream table.

/// `read`
pub const READ: u32 = 0;
/// `write`
pub const WRITE: u32 = 1;
/// `open`
pub const OPEN: u32 = 2;
/// `close`
pub const CLOSE: u32 = 3;
/// `stat`
pub const STAT: u32 = 4;
/// `fstat`
pub const FSTAT: u32 = 5;
/// `lstat`
pub const LSTAT: u32 = 6;
/// `poll`
pub const POLL: u32 = 7;
/// `lseek`
pub const LSEEK: u32 = 8;
/// `mmap`
pub const MMAP: u32 = 9;
/// `mprotect`
pub const MPROTECT: u32 = 10;
/// `munmap`
pub const MUNMAP: u32 = 11;
/// `brk`
pub const BRK: u32 = 12;
/// `rt_sigaction`
pub const RT_SIGACTION: u32 = 13;
/// `rt_sigprocmask`
pub const RT_SIGPROCMASK: u32 = 14;
/// `rt_sigreturn`
pub const RT_SIGRETURN: u32 = 15;
/// `ioctl`
pub const IOCTL: u32 = 16;
/// `pread64`
pub const PREAD64: u32 = 17;
/// `pwrite64`
pub const PWRITE64: u32 = 18;
/// `readv`
pub const READV: u32 = 19;
/// `writev`
pub const WRITEV: u32 = 20;
/// `access`
pub const ACCESS: u32 = 21;
/// `pipe`
pub const PIPE: u32 = 22;
/// `select`
pub const SELECT: u32 = 23;
/// `sched_yield`
pub const SCHED_YIELD: u32 = 24;
/// `mremap`
pub const MREMAP: u32 = 25;
/// `msync`
pub const MSYNC: u32 = 26;
/// `mincore`
pub const MINCORE: u32 = 27;
/// `madvise`
pub const MADVISE: u32 = 28;
/// `shmget`
pub const SHMGET: u32 = 29;
/// `shmat`
pub const SHMAT: u32 = 30;
/// `shmctl`
pub const SHMCTL: u32 = 31;
/// `dup`
pub const DUP: u32 = 32;
/// `dup2`
pub const DUP2: u32 = 33;
/// `pause`
pub const PAUSE: u32 = 34;
/// `nanosleep`
pub const NANOSLEEP: u32 = 35;
/// `getitimer`
pub const GETITIMER: u32 = 36;
/// `alarm`
pub const ALARM: u32 = 37;
/// `setitimer`
pub const SETITIMER: u32 = 38;
/// `getpid`
pub const GETPID: u32 = 39;
/// `sendfile`
pub const SENDFILE: u32 = 40;
/// `socket`
pub const SOCKET: u32 = 41;
/// `connect`
pub const CONNECT: u32 = 42;
/// `accept`
pub const ACCEPT: u32 = 43;
/// `sendto`
pub const SENDTO: u32 = 44;
/// `recvfrom`
pub const RECVFROM: u32 = 45;
/// `sendmsg`
pub const SENDMSG: u32 = 46;
/// `recvmsg`
pub const RECVMSG: u32 = 47;
/// `shutdown`
pub const SHUTDOWN: u32 = 48;
/// `bind`
pub const BIND: u32 = 49;
/// `listen`
pub const LISTEN: u32 = 50;
/// `getsockname`
pub const GETSOCKNAME: u32 = 51;
/// `getpeername`
pub const GETPEERNAME: u32 = 52;
/// `socketpair`
pub const SOCKETPAIR: u32 = 53;
/// `setsockopt`
pub const SETSOCKOPT: u32 = 54;
/// `getsockopt`
pub const GETSOCKOPT: u32 = 55;
/// `clone`
pub const CLONE: u32 = 56;
/// `fork`
pub const FORK: u32 = 57;
/// `vfork`
pub const VFORK: u32 = 58;
/// `execve`
pub const EXECVE: u32 = 59;
/// `exit`
pub const EXIT: u32 = 60;
/// `wait4`
pub const WAIT4: u32 = 61;
/// `kill`
pub const KILL: u32 = 62;
/// `uname`
pub const UNAME: u32 = 63;
/// `semget`
pub const SEMGET: u32 = 64;
/// `semop`
pub const SEMOP: u32 = 65;
/// `semctl`
pub const SEMCTL: u32 = 66;
/// `shmdt`
pub const SHMDT: u32 = 67;
/// `msgget`
pub const MSGGET: u32 = 68;
/// `msgsnd`
pub const MSGSND: u32 = 69;
/// `msgrcv`
pub const MSGRCV: u32 = 70;
/// `msgctl`
pub const MSGCTL: u32 = 71;
/// `fcntl`
pub const FCNTL: u32 = 72;
/// `flock`
pub const FLOCK: u32 = 73;
/// `fsync`
pub const FSYNC: u32 = 74;
/// `fdatasync`
pub const FDATASYNC: u32 = 75;
/// `truncate`
pub const TRUNCATE: u32 = 76;
/// `ftruncate`
pub const FTRUNCATE: u32 = 77;
/// `getdents`
pub const GETDENTS: u32 = 78;
/// `getcwd`
pub const GETCWD: u32 = 79;
/// `chdir`
pub const CHDIR: u32 = 80;
/// `fchdir`
pub const FCHDIR: u32 = 81;
/// `rename`
pub const RENAME: u32 = 82;
/// `mkdir`
pub const MKDIR: u32 = 83;
/// `rmdir`
pub const RMDIR: u32 = 84;
/// `creat`
pub const CREAT: u32 = 85;
/// `link`
pub const LINK: u32 = 86;
/// `unlink`
pub const UNLINK: u32 = 87;
/// `symlink`
pub const SYMLINK: u32 = 88;
/// `readlink`
pub const READLINK: u32 = 89;
/// `chmod`
pub const CHMOD: u32 = 90;
/// `fchmod`
pub const FCHMOD: u32 = 91;
/// `chown`
pub const CHOWN: u32 = 92;
/// `fchown`
pub const FCHOWN: u32 = 93;
/// `lchown`
pub const LCHOWN: u32 = 94;
/// `umask`
pub const UMASK: u32 = 95;
/// `gettimeofday`
pub const GETTIMEOFDAY: u32 = 96;
/// `getrlimit`
pub const GETRLIMIT: u32 = 97;
/// `getrusage`
pub const GETRUSAGE: u32 = 98;
/// `sysinfo`
pub const SYSINFO: u32 = 99;
/// `times`
pub const TIMES: u32 = 100;
/// `ptrace`
pub const PTRACE: u32 = 101;
/// `getuid`
pub const GETUID: u32 = 102;
/// `syslog`
pub const SYSLOG: u32 = 103;
/// `getgid`
pub const GETGID: u32 = 104;
/// `setuid`
pub const SETUID: u32 = 105;
/// `setgid`
pub const SETGID: u32 = 106;
/// `geteuid`
pub const GETEUID: u32 = 107;
/// `getegid`
pub const GETEGID: u32 = 108;
/// `setpgid`
pub const SETPGID: u32 = 109;
/// `getppid`
pub const GETPPID: u32 = 110;
/// `getpgrp`
pub const GETPGRP: u32 = 111;
/// `setsid`
pub const SETSID: u32 = 112;
/// `setreuid`
pub const SETREUID: u32 = 113;
/// `setregid`
pub const SETREGID: u32 = 114;
/// `getgroups`
pub const GETGROUPS: u32 = 115;
/// `setgroups`
pub const SETGROUPS: u32 = 116;
/// `setresuid`
pub const SETRESUID: u32 = 117;
/// `getresuid`
pub const GETRESUID: u32 = 118;
/// `setresgid`
pub const SETRESGID: u32 = 119;
/// `getresgid`
pub const GETRESGID: u32 = 120;
/// `getpgid`
pub const GETPGID: u32 = 121;
/// `setfsuid`
pub const SETFSUID: u32 = 122;
/// `setfsgid`
pub const SETFSGID: u32 = 123;
/// `getsid`
pub const GETSID: u32 = 124;
/// `capget`
pub const CAPGET: u32 = 125;
/// `capset`
pub const CAPSET: u32 = 126;
/// `rt_sigpending`
pub const RT_SIGPENDING: u32 = 127;
/// `rt_sigtimedwait`
pub const RT_SIGTIMEDWAIT: u32 = 128;
/// `rt_sigqueueinfo`
pub const RT_SIGQUEUEINFO: u32 = 129;
/// `rt_sigsuspend`
pub const RT_SIGSUSPEND: u32 = 130;
/// `sigaltstack`
pub const SIGALTSTACK: u32 = 131;
/// `utime`
pub const UTIME: u32 = 132;
/// `mknod`
pub const MKNOD: u32 = 133;
/// `uselib`
pub const USELIB: u32 = 134;
/// `personality`
pub const PERSONALITY: u32 = 135;
/// `ustat`
pub const USTAT: u32 = 136;
/// `statfs`
pub const STATFS: u32 = 137;
/// `fstatfs`
pub const FSTATFS: u32 = 138;
/// `sysfs`
pub const SYSFS: u32 = 139;
/// `getpriority`
pub const GETPRIORITY: u32 = 140;
/// `setpriority`
pub const SETPRIORITY: u32 = 141;
/// `sched_setparam`
pub const SCHED_SETPARAM: u32 = 142;
/// `sched_getparam`
pub const SCHED_GETPARAM: u32 = 143;
/// `sched_setscheduler`
pub const SCHED_SETSCHEDULER: u32 = 144;
/// `sched_getscheduler`
pub const SCHED_GETSCHEDULER: u32 = 145;
/// `sched_get_priority_max`
pub const SCHED_GET_PRIORITY_MAX: u32 = 146;
/// `sched_get_priority_min`
pub const SCHED_GET_PRIORITY_MIN: u32 = 147;
/// `sched_rr_get_interval`
pub const SCHED_RR_GET_INTERVAL: u32 = 148;
/// `mlock`
pub const MLOCK: u32 = 149;
/// `munlock`
pub const MUNLOCK: u32 = 150;
/// `mlockall`
pub const MLOCKALL: u32 = 151;
/// `munlockall`
pub const MUNLOCKALL: u32 = 152;
/// `vhangup`
pub const VHANGUP: u32 = 153;
/// `modify_ldt`
pub const MODIFY_LDT: u32 = 154;
/// `pivot_root`
pub const PIVOT_ROOT: u32 = 155;
/// `_sysctl`
pub const _SYSCTL: u32 = 156;
/// `prctl`
pub const PRCTL: u32 = 157;
/// `arch_prctl`
pub const ARCH_PRCTL: u32 = 158;
/// `adjtimex`
pub const ADJTIMEX: u32 = 159;
/// `setrlimit`
pub const SETRLIMIT: u32 = 160;
/// `chroot`
pub const CHROOT: u32 = 161;
/// `sync`
pub const SYNC: u32 = 162;
/// `acct`
pub const ACCT: u32 = 163;
/// `settimeofday`
pub const SETTIMEOFDAY: u32 = 164;
/// `mount`
pub const MOUNT: u32 = 165;
/// `umount2`
pub const UMOUNT2: u32 = 166;
/// `swapon`
pub const SWAPON: u32 = 167;
/// `swapoff`
pub const SWAPOFF: u32 = 168;
/// `reboot`
pub const REBOOT: u32 = 169;
/// `sethostname`
pub const SETHOSTNAME: u32 = 170;
/// `setdomainname`
pub const SETDOMAINNAME: u32 = 171;
/// `iopl`
pub const IOPL: u32 = 172;
/// `ioperm`
pub const IOPERM: u32 = 173;
/// `create_module`
pub const CREATE_MODULE: u32 = 174;
/// `init_module`
pub const INIT_MODULE: u32 = 175;
/// `delete_module`
pub const DELETE_MODULE: u32 = 176;
/// `get_kernel_syms`
pub const GET_KERNEL_SYMS: u32 = 177;
/// `query_module`
pub const QUERY_MODULE: u32 = 178;
/// `quotactl`
pub const QUOTACTL: u32 = 179;
/// `nfsservctl`
pub const NFSSERVCTL: u32 = 180;
/// `getpmsg`
pub const GETPMSG: u32 = 181;
/// `putpmsg`
pub const PUTPMSG: u32 = 182;
/// `afs_syscall`
pub const AFS_SYSCALL: u32 = 183;
/// `tuxcall`
pub const TUXCALL: u32 = 184;
/// `security`
pub const SECURITY: u32 = 185;
/// `gettid`
pub const GETTID: u32 = 186;
/// `readahead`
pub const READAHEAD: u32 = 187;
/// `setxattr`
pub const SETXATTR: u32 = 188;
/// `lsetxattr`
pub const LSETXATTR: u32 = 189;
/// `fsetxattr`
pub const FSETXATTR: u32 = 190;
/// `getxattr`
pub const GETXATTR: u32 = 191;
/// `lgetxattr`
pub const LGETXATTR: u32 = 192;
/// `fgetxattr`
pub const FGETXATTR: u32 = 193;
/// `listxattr`
pub const LISTXATTR: u32 = 194;
/// `llistxattr`
pub const LLISTXATTR: u32 = 195;
/// `flistxattr`
pub const FLISTXATTR: u32 = 196;
/// `removexattr`
pub const REMOVEXATTR: u32 = 197;
/// `lremovexattr`
pub const LREMOVEXATTR: u32 = 198;
/// `fremovexattr`
pub const FREMOVEXATTR: u32 = 199;
/// `tkill`
pub const TKILL: u32 = 200;
/// `time`
pub const TIME: u32 = 201;
/// `futex`
pub const FUTEX: u32 = 202;
/// `sched_setaffinity`
pub const SCHED_SETAFFINITY: u32 = 203;
/// `sched_getaffinity`
pub const SCHED_GETAFFINITY: u32 = 204;
/// `set_thread_area`
pub const SET_THREAD_AREA: u32 = 205;
/// `io_setup`
pub const IO_SETUP: u32 = 206;
/// `io_destroy`
pub const IO_DESTROY: u32 = 207;
/// `io_getevents`
pub const IO_GETEVENTS: u32 = 208;
/// `io_submit`
pub const IO_SUBMIT: u32 = 209;
/// `io_cancel`
pub const IO_CANCEL: u32 = 210;
/// `get_thread_area`
pub const GET_THREAD_AREA: u32 = 211;
/// `lookup_dcookie`
pub const LOOKUP_DCOOKIE: u32 = 212;
/// `epoll_create`
pub const EPOLL_CREATE: u32 = 213;
/// `epoll_ctl_old`
pub const EPOLL_CTL_OLD: u32 = 214;
/// `epoll_wait_old`
pub const EPOLL_WAIT_OLD: u32 = 215;
/// `remap_file_pages`
pub const REMAP_FILE_PAGES: u32 = 216;
/// `getdents64`
pub const GETDENTS64: u32 = 217;
/// `set_tid_address`
pub const SET_TID_ADDRESS: u32 = 218;
/// `restart_syscall`
pub const RESTART_SYSCALL: u32 = 219;
/// `semtimedop`
pub const SEMTIMEDOP: u32 = 220;
/// `fadvise64`
pub const FADVISE64: u32 = 221;
/// `timer_create`
pub const TIMER_CREATE: u32 = 222;
/// `timer_settime`
pub const TIMER_SETTIME: u32 = 223;
/// `timer_gettime`
pub const TIMER_GETTIME: u32 = 224;
/// `timer_getoverrun`
pub const TIMER_GETOVERRUN: u32 = 225;
/// `timer_delete`
pub const TIMER_DELETE: u32 = 226;
/// `clock_settime`
pub const CLOCK_SETTIME: u32 = 227;
/// `clock_gettime`
pub const CLOCK_GETTIME: u32 = 228;
/// `clock_getres`
pub const CLOCK_GETRES: u32 = 229;
/// `clock_nanosleep`
pub const CLOCK_NANOSLEEP: u32 = 230;
/// `exit_group`
pub const EXIT_GROUP: u32 = 231;
/// `epoll_wait`
pub const EPOLL_WAIT: u32 = 232;
/// `epoll_ctl`
pub const EPOLL_CTL: u32 = 233;
/// `tgkill`
pub const TGKILL: u32 = 234;
/// `utimes`
pub const UTIMES: u32 = 235;
/// `vserver`
pub const VSERVER: u32 = 236;
/// `mbind`
pub const MBIND: u32 = 237;
/// `set_mempolicy`
pub const SET_MEMPOLICY: u32 = 238;
/// `get_mempolicy`
pub const GET_MEMPOLICY: u32 = 239;
/// `mq_open`
pub const MQ_OPEN: u32 = 240;
/// `mq_unlink`
pub const MQ_UNLINK: u32 = 241;
/// `mq_timedsend`
pub const MQ_TIMEDSEND: u32 = 242;
/// `mq_timedreceive`
pub const MQ_TIMEDRECEIVE: u32 = 243;
/// `mq_notify`
pub const MQ_NOTIFY: u32 = 244;
/// `mq_getsetattr`
pub const MQ_GETSETATTR: u32 = 245;
/// `kexec_load`
pub const KEXEC_LOAD: u32 = 246;
/// `waitid`
pub const WAITID: u32 = 247;
/// `add_key`
pub const ADD_KEY: u32 = 248;
/// `request_key`
pub const REQUEST_KEY: u32 = 249;
/// `keyctl`
pub const KEYCTL: u32 = 250;
/// `ioprio_set`
pub const IOPRIO_SET: u32 = 251;
/// `ioprio_get`
pub const IOPRIO_GET: u32 = 252;
/// `inotify_init`
pub const INOTIFY_INIT: u32 = 253;
/// `inotify_add_watch`
pub const INOTIFY_ADD_WATCH: u32 = 254;
/// `inotify_rm_watch`
pub const INOTIFY_RM_WATCH: u32 = 255;
/// `migrate_pages`
pub const MIGRATE_PAGES: u32 = 256;
/// `openat`
pub const OPENAT: u32 = 257;
/// `mkdirat`
pub const MKDIRAT: u32 = 258;
/// `mknodat`
pub const MKNODAT: u32 = 259;
/// `fchownat`
pub const FCHOWNAT: u32 = 260;
/// `futimesat`
pub const FUTIMESAT: u32 = 261;
/// `newfstatat`
pub const NEWFSTATAT: u32 = 262;
/// `unlinkat`
pub const UNLINKAT: u32 = 263;
/// `renameat`
pub const RENAMEAT: u32 = 264;
/// `linkat`
pub const LINKAT: u32 = 265;
/// `symlinkat`
pub const SYMLINKAT: u32 = 266;
/// `readlinkat`
pub const READLINKAT: u32 = 267;
/// `fchmodat`
pub const FCHMODAT: u32 = 268;
/// `faccessat`
pub const FACCESSAT: u32 = 269;
/// `pselect6`
pub const PSELECT6: u32 = 270;
/// `ppoll`
pub const PPOLL: u32 = 271;
/// `unshare`
pub const UNSHARE: u32 = 272;
/// `set_robust_list`
pub const SET_ROBUST_LIST: u32 = 273;
/// `get_robust_list`
pub const GET_ROBUST_LIST: u32 = 274;
/// `splice`
pub const SPLICE: u32 = 275;
/// `tee`
pub const TEE: u32 = 276;
/// `sync_file_range`
pub const SYNC_FILE_RANGE: u32 = 277;
/// `vmsplice`
pub const VMSPLICE: u32 = 278;
/// `move_pages`
pub const MOVE_PAGES: u32 = 279;
/// `utimensat`
pub const UTIMENSAT: u32 = 280;
/// `epoll_pwait`
pub const EPOLL_PWAIT: u32 = 281;
/// `signalfd`
pub const SIGNALFD: u32 = 282;
/// `timerfd_create`
pub const TIMERFD_CREATE: u32 = 283;
/// `eventfd`
pub const EVENTFD: u32 = 284;
/// `fallocate`
pub const FALLOCATE: u32 = 285;
/// `timerfd_settime`
pub const TIMERFD_SETTIME: u32 = 286;
/// `timerfd_gettime`
pub const TIMERFD_GETTIME: u32 = 287;
/// `accept4`
pub const ACCEPT4: u32 = 288;
/// `signalfd4`
pub const SIGNALFD4: u32 = 289;
/// `eventfd2`
pub const EVENTFD2: u32 = 290;
/// `epoll_create1`
pub const EPOLL_CREATE1: u32 = 291;
/// `dup3`
pub const DUP3: u32 = 292;
/// `pipe2`
pub const PIPE2: u32 = 293;
/// `inotify_init1`
pub const INOTIFY_INIT1: u32 = 294;
/// `preadv`
pub const PREADV: u32 = 295;
/// `pwritev`
pub const PWRITEV: u32 = 296;
/// `rt_tgsigqueueinfo`
pub const RT_TGSIGQUEUEINFO: u32 = 297;
/// `perf_event_open`
pub const PERF_EVENT_OPEN: u32 = 298;
/// `recvmmsg`
pub const RECVMMSG: u32 = 299;
/// `fanotify_init`
pub const FANOTIFY_INIT: u32 = 300;
/// `fanotify_mark`
pub const FANOTIFY_MARK: u32 = 301;
/// `prlimit64`
pub const PRLIMIT64: u32 = 302;
/// `name_to_handle_at`
pub const NAME_TO_HANDLE_AT: u32 = 303;
/// `open_by_handle_at`
pub const OPEN_BY_HANDLE_AT: u32 = 304;
/// `clock_adjtime`
pub const CLOCK_ADJTIME: u32 = 305;
/// `syncfs`
pub const SYNCFS: u32 = 306;
/// `sendmmsg`
pub const SENDMMSG: u32 = 307;
/// `setns`
pub const SETNS: u32 = 308;
/// `getcpu`
pub const GETCPU: u32 = 309;
/// `process_vm_readv`
pub const PROCESS_VM_READV: u32 = 310;
/// `process_vm_writev`
pub const PROCESS_VM_WRITEV: u32 = 311;
/// `kcmp`
pub const KCMP: u32 = 312;
/// `finit_module`
pub const FINIT_MODULE: u32 = 313;
/// `sched_setattr`
pub const SCHED_SETATTR: u32 = 314;
/// `sched_getattr`
pub const SCHED_GETATTR: u32 = 315;
/// `renameat2`
pub const RENAMEAT2: u32 = 316;
/// `seccomp`
pub const SECCOMP: u32 = 317;
/// `getrandom`
pub const GETRANDOM: u32 = 318;
/// `memfd_create`
pub const MEMFD_CREATE: u32 = 319;
/// `kexec_file_load`
pub const KEXEC_FILE_LOAD: u32 = 320;
/// `bpf`
pub const BPF: u32 = 321;
/// `execveat`
pub const EXECVEAT: u32 = 322;
/// `userfaultfd`
pub const USERFAULTFD: u32 = 323;
/// `membarrier`
pub const MEMBARRIER: u32 = 324;
/// `mlock2`
pub const MLOCK2: u32 = 325;
/// `copy_file_range`
pub const COPY_FILE_RANGE: u32 = 326;
/// `preadv2`
pub const PREADV2: u32 = 327;
/// `pwritev2`
pub const PWRITEV2: u32 = 328;
/// `pkey_mprotect`
pub const PKEY_MPROTECT: u32 = 329;
/// `pkey_alloc`
pub const PKEY_ALLOC: u32 = 330;
/// `pkey_free`
pub const PKEY_FREE: u32 = 331;
/// `statx`
pub const STATX: u32 = 332;
/// `io_pgetevents`
pub const IO_PGETEVENTS: u32 = 333;
/// `rseq`
pub const RSEQ: u32 = 334;
/// `pidfd_send_signal`
pub const PIDFD_SEND_SIGNAL: u32 = 424;
/// `io_uring_setup`
pub const IO_URING_SETUP: u32 = 425;
/// `io_uring_enter`
pub const IO_URING_ENTER: u32 = 426;
/// `io_uring_register`
pub const IO_URING_REGISTER: u32 = 427;
/// `open_tree`
pub const OPEN_TREE: u32 = 428;
/// `move_mount`
pub const MOVE_MOUNT: u32 = 429;
/// `fsopen`
pub const FSOPEN: u32 = 430;
/// `fsconfig`
pub const FSCONFIG: u32 = 431;
/// `fsmount`
pub const FSMOUNT: u32 = 432;
/// `fspick`
pub const FSPICK: u32 = 433;
/// `pidfd_open`
pub const PIDFD_OPEN: u32 = 434;
/// `clone3`
pub const CLONE3: u32 = 435;
/// `close_range`
pub const CLOSE_RANGE: u32 = 436;
/// `openat2`
pub const OPENAT2: u32 = 437;
/// `pidfd_getfd`
pub const PIDFD_GETFD: u32 = 438;
/// `faccessat2`
pub const FACCESSAT2: u32 = 439;
/// `process_madvise`
pub const PROCESS_MADVISE: u32 = 440;
/// `epoll_pwait2`
pub const EPOLL_PWAIT2: u32 = 441;
/// `mount_setattr`
pub const MOUNT_SETATTR: u32 = 442;
/// `quotactl_fd`
pub const QUOTACTL_FD: u32 = 443;
/// `landlock_create_ruleset`
pub const LANDLOCK_CREATE_RULESET: u32 = 444;
/// `landlock_add_rule`
pub const LANDLOCK_ADD_RULE: u32 = 445;
/// `landlock_restrict_self`
pub const LANDLOCK_RESTRICT_SELF: u32 = 446;
/// `memfd_secret`
pub const MEMFD_SECRET: u32 = 447;
/// `process_mrelease`
pub const PROCESS_MRELEASE: u32 = 448;
/// `futex_waitv`
pub const FUTEX_WAITV: u32 = 449;
/// `set_mempolicy_home_node`
pub const SET_MEMPOLICY_HOME_NODE: u32 = 450;
/// `fchmodat2`
pub const FCHMODAT2: u32 = 452;
/// `map_shadow_stack`
pub const MAP_SHADOW_STACK: u32 = 453;
/// `futex_wake`
pub const FUTEX_WAKE: u32 = 454;
/// `futex_wait`
pub const FUTEX_WAIT: u32 = 455;
/// `futex_requeue`
pub const FUTEX_REQUEUE: u32 = 456;
/// `statmount`
pub const STATMOUNT: u32 = 457;
/// `listmount`
pub const LISTMOUNT: u32 = 458;
/// `lsm_get_self_attr`
pub const LSM_GET_SELF_ATTR: u32 = 459;
/// `lsm_set_self_attr`
pub const LSM_SET_SELF_ATTR: u32 = 460;
/// `lsm_list_modules`
pub const LSM_LIST_MODULES: u32 = 461;
/// `mseal`
pub const MSEAL: u32 = 462;

/// One past the largest system call number known to this table.
pub const MAX: u32 = 463;

/// The name of system call `nr`, if it has one.
pub const fn name(nr: u32) -> Option<&'static str> {
    match nr {
        0 => Some("read"),
        1 => Some("write"),
        2 => Some("open"),
        3 => Some("close"),
        4 => Some("stat"),
        5 => Some("fstat"),
        6 => Some("lstat"),
        7 => Some("poll"),
        8 => Some("lseek"),
        9 => Some("mmap"),
        10 => Some("mprotect"),
        11 => Some("munmap"),
        12 => Some("brk"),
        13 => Some("rt_sigaction"),
        14 => Some("rt_sigprocmask"),
        15 => Some("rt_sigreturn"),
        16 => Some("ioctl"),
        17 => Some("pread64"),
        18 => Some("pwrite64"),
        19 => Some("readv"),
        20 => Some("writev"),
        21 => Some("access"),
        22 => Some("pipe"),
        23 => Some("select"),
        24 => Some("sched_yield"),
        25 => Some("mremap"),
        26 => Some("msync"),
        27 => Some("mincore"),
        28 => Some("madvise"),
        29 => Some("shmget"),
        30 => Some("shmat"),
        31 => Some("shmctl"),
        32 => Some("dup"),
        33 => Some("dup2"),
        34 => Some("pause"),
        35 => Some("nanosleep"),
        36 => Some("getitimer"),
        37 => Some("alarm"),
        38 => Some("setitimer"),
        39 => Some("getpid"),
        40 => Some("sendfile"),
        41 => Some("socket"),
        42 => Some("connect"),
        43 => Some("accept"),
        44 => Some("sendto"),
        45 => Some("recvfrom"),
        46 => Some("sendmsg"),
        47 => Some("recvmsg"),
        48 => Some("shutdown"),
        49 => Some("bind"),
        50 => Some("listen"),
        51 => Some("getsockname"),
        52 => Some("getpeername"),
        53 => Some("socketpair"),
        54 => Some("setsockopt"),
        55 => Some("getsockopt"),
        56 => Some("clone"),
        57 => Some("fork"),
        58 => Some("vfork"),
        59 => Some("execve"),
        60 => Some("exit"),
        61 => Some("wait4"),
        62 => Some("kill"),
        63 => Some("uname"),
        64 => Some("semget"),
        65 => Some("semop"),
        66 => Some("semctl"),
        67 => Some("shmdt"),
        68 => Some("msgget"),
        69 => Some("msgsnd"),
        70 => Some("msgrcv"),
        71 => Some("msgctl"),
        72 => Some("fcntl"),
        73 => Some("flock"),
        74 => Some("fsync"),
        75 => Some("fdatasync"),
        76 => Some("truncate"),
        77 => Some("ftruncate"),
        78 => Some("getdents"),
        79 => Some("getcwd"),
        80 => Some("chdir"),
        81 => Some("fchdir"),
        82 => Some("rename"),
        83 => Some("mkdir"),
        84 => Some("rmdir"),
        85 => Some("creat"),
        86 => Some("link"),
        87 => Some("unlink"),
        88 => Some("symlink"),
        89 => Some("readlink"),
        90 => Some("chmod"),
        91 => Some("fchmod"),
        92 => Some("chown"),
        93 => Some("fchown"),
        94 => Some("lchown"),
        95 => Some("umask"),
        96 => Some("gettimeofday"),
        97 => Some("getrlimit"),
        98 => Some("getrusage"),
        99 => Some("sysinfo"),
        100 => Some("times"),
        101 => Some("ptrace"),
        102 => Some("getuid"),
        103 => Some("syslog"),
        104 => Some("getgid"),
        105 => Some("setuid"),
        106 => Some("setgid"),
        107 => Some("geteuid"),
        108 => Some("getegid"),
        109 => Some("setpgid"),
        110 => Some("getppid"),
        111 => Some("getpgrp"),
        112 => Some("setsid"),
        113 => Some("setreuid"),
        114 => Some("setregid"),
        115 => Some("getgroups"),
        116 => Some("setgroups"),
        117 => Some("setresuid"),
        118 => Some("getresuid"),
        119 => Some("setresgid"),
        120 => Some("getresgid"),
        121 => Some("getpgid"),
        122 => Some("setfsuid"),
        123 => Some("setfsgid"),
        124 => Some("getsid"),
        125 => Some("capget"),
        126 => Some("capset"),
        127 => Some("rt_sigpending"),
        128 => Some("rt_sigtimedwait"),
        129 => Some("rt_sigqueueinfo"),
        130 => Some("rt_sigsuspend"),
        131 => Some("sigaltstack"),
        132 => Some("utime"),
        133 => Some("mknod"),
        134 => Some("uselib"),
        135 => Some("personality"),
        136 => Some("ustat"),
        137 => Some("statfs"),
        138 => Some("fstatfs"),
        139 => Some("sysfs"),
        140 => Some("getpriority"),
        141 => Some("setpriority"),
        142 => Some("sched_setparam"),
        143 => Some("sched_getparam"),
        144 => Some("sched_setscheduler"),
        145 => Some("sched_getscheduler"),
        146 => Some("sched_get_priority_max"),
        147 => Some("sched_get_priority_min"),
        148 => Some("sched_rr_get_interval"),
        149 => Some("mlock"),
        150 => Some("munlock"),
        151 => Some("mlockall"),
        152 => Some("munlockall"),
        153 => Some("vhangup"),
        154 => Some("modify_ldt"),
        155 => Some("pivot_root"),
        156 => Some("_sysctl"),
        157 => Some("prctl"),
        158 => Some("arch_prctl"),
        159 => Some("adjtimex"),
        160 => Some("setrlimit"),
        161 => Some("chroot"),
        162 => Some("sync"),
        163 => Some("acct"),
        164 => Some("settimeofday"),
        165 => Some("mount"),
        166 => Some("umount2"),
        167 => Some("swapon"),
        168 => Some("swapoff"),
        169 => Some("reboot"),
        170 => Some("sethostname"),
        171 => Some("setdomainname"),
        172 => Some("iopl"),
        173 => Some("ioperm"),
        174 => Some("create_module"),
        175 => Some("init_module"),
        176 => Some("delete_module"),
        177 => Some("get_kernel_syms"),
        178 => Some("query_module"),
        179 => Some("quotactl"),
        180 => Some("nfsservctl"),
        181 => Some("getpmsg"),
        182 => Some("putpmsg"),
        183 => Some("afs_syscall"),
        184 => Some("tuxcall"),
        185 => Some("security"),
        186 => Some("gettid"),
        187 => Some("readahead"),
        188 => Some("setxattr"),
        189 => Some("lsetxattr"),
        190 => Some("fsetxattr"),
        191 => Some("getxattr"),
        192 => Some("lgetxattr"),
        193 => Some("fgetxattr"),
        194 => Some("listxattr"),
        195 => Some("llistxattr"),
        196 => Some("flistxattr"),
        197 => Some("removexattr"),
        198 => Some("lremovexattr"),
        199 => Some("fremovexattr"),
        200 => Some("tkill"),
        201 => Some("time"),
        202 => Some("futex"),
        203 => Some("sched_setaffinity"),
        204 => Some("sched_getaffinity"),
        205 => Some("set_thread_area"),
        206 => Some("io_setup"),
        207 => Some("io_destroy"),
        208 => Some("io_getevents"),
        209 => Some("io_submit"),
        210 => Some("io_cancel"),
        211 => Some("get_thread_area"),
        212 => Some("lookup_dcookie"),
        213 => Some("epoll_create"),
        214 => Some("epoll_ctl_old"),
        215 => Some("epoll_wait_old"),
        216 => Some("remap_file_pages"),
        217 => Some("getdents64"),
        218 => Some("set_tid_address"),
        219 => Some("restart_syscall"),
        220 => Some("semtimedop"),
        221 => Some("fadvise64"),
        222 => Some("timer_create"),
        223 => Some("timer_settime"),
        224 => Some("timer_gettime"),
        225 => Some("timer_getoverrun"),
        226 => Some("timer_delete"),
        227 => Some("clock_settime"),
        228 => Some("clock_gettime"),
        229 => Some("clock_getres"),
        230 => Some("clock_nanosleep"),
        231 => Some("exit_group"),
        232 => Some("epoll_wait"),
        233 => Some("epoll_ctl"),
        234 => Some("tgkill"),
        235 => Some("utimes"),
        236 => Some("vserver"),
        237 => Some("mbind"),
        238 => Some("set_mempolicy"),
        239 => Some("get_mempolicy"),
        240 => Some("mq_open"),
        241 => Some("mq_unlink"),
        242 => Some("mq_timedsend"),
        243 => Some("mq_timedreceive"),
        244 => Some("mq_notify"),
        245 => Some("mq_getsetattr"),
        246 => Some("kexec_load"),
        247 => Some("waitid"),
        248 => Some("add_key"),
        249 => Some("request_key"),
        250 => Some("keyctl"),
        251 => Some("ioprio_set"),
        252 => Some("ioprio_get"),
        253 => Some("inotify_init"),
        254 => Some("inotify_add_watch"),
        255 => Some("inotify_rm_watch"),
        256 => Some("migrate_pages"),
        257 => Some("openat"),
        258 => Some("mkdirat"),
        259 => Some("mknodat"),
        260 => Some("fchownat"),
        261 => Some("futimesat"),
        262 => Some("newfstatat"),
        263 => Some("unlinkat"),
        264 => Some("renameat"),
        265 => Some("linkat"),
        266 => Some("symlinkat"),
        267 => Some("readlinkat"),
        268 => Some("fchmodat"),
        269 => Some("faccessat"),
        270 => Some("pselect6"),
        271 => Some("ppoll"),
        272 => Some("unshare"),
        273 => Some("set_robust_list"),
        274 => Some("get_robust_list"),
        275 => Some("splice"),
        276 => Some("tee"),
        277 => Some("sync_file_range"),
        278 => Some("vmsplice"),
        279 => Some("move_pages"),
        280 => Some("utimensat"),
        281 => Some("epoll_pwait"),
        282 => Some("signalfd"),
        283 => Some("timerfd_create"),
        284 => Some("eventfd"),
        285 => Some("fallocate"),
        286 => Some("timerfd_settime"),
        287 => Some("timerfd_gettime"),
        288 => Some("accept4"),
        289 => Some("signalfd4"),
        290 => Some("eventfd2"),
        291 => Some("epoll_create1"),
        292 => Some("dup3"),
        293 => Some("pipe2"),
        294 => Some("inotify_init1"),
        295 => Some("preadv"),
        296 => Some("pwritev"),
        297 => Some("rt_tgsigqueueinfo"),
        298 => Some("perf_event_open"),
        299 => Some("recvmmsg"),
        300 => Some("fanotify_init"),
        301 => Some("fanotify_mark"),
        302 => Some("prlimit64"),
        303 => Some("name_to_handle_at"),
        304 => Some("open_by_handle_at"),
        305 => Some("clock_adjtime"),
        306 => Some("syncfs"),
        307 => Some("sendmmsg"),
        308 => Some("setns"),
        309 => Some("getcpu"),
        310 => Some("process_vm_readv"),
        311 => Some("process_vm_writev"),
        312 => Some("kcmp"),
        313 => Some("finit_module"),
        314 => Some("sched_setattr"),
        315 => Some("sched_getattr"),
        316 => Some("renameat2"),
        317 => Some("seccomp"),
        318 => Some("getrandom"),
        319 => Some("memfd_create"),
        320 => Some("kexec_file_load"),
        321 => Some("bpf"),
        322 => Some("execveat"),
        323 => Some("userfaultfd"),
        324 => Some("membarrier"),
        325 => Some("mlock2"),
        326 => Some("copy_file_range"),
        327 => Some("preadv2"),
        328 => Some("pwritev2"),
        329 => Some("pkey_mprotect"),
        330 => Some("pkey_alloc"),
        331 => Some("pkey_free"),
        332 => Some("statx"),
        333 => Some("io_pgetevents"),
        334 => Some("rseq"),
        424 => Some("pidfd_send_signal"),
        425 => Some("io_uring_setup"),
        426 => Some("io_uring_enter"),
        427 => Some("io_uring_register"),
        428 => Some("open_tree"),
        429 => Some("move_mount"),
        430 => Some("fsopen"),
        431 => Some("fsconfig"),
        432 => Some("fsmount"),
        433 => Some("fspick"),
        434 => Some("pidfd_open"),
        435 => Some("clone3"),
        436 => Some("close_range"),
        437 => Some("openat2"),
        438 => Some("pidfd_getfd"),
        439 => Some("faccessat2"),
        440 => Some("process_madvise"),
        441 => Some("epoll_pwait2"),
        442 => Some("mount_setattr"),
        443 => Some("quotactl_fd"),
        444 => Some("landlock_create_ruleset"),
        445 => Some("landlock_add_rule"),
        446 => Some("landlock_restrict_self"),
        447 => Some("memfd_secret"),
        448 => Some("process_mrelease"),
        449 => Some("futex_waitv"),
        450 => Some("set_mempolicy_home_node"),
        452 => Some("fchmodat2"),
        453 => Some("map_shadow_stack"),
        454 => Some("futex_wake"),
        455 => Some("futex_wait"),
        456 => Some("futex_requeue"),
        457 => Some("statmount"),
        458 => Some("listmount"),
        459 => Some("lsm_get_self_attr"),
        460 => Some("lsm_set_self_attr"),
        461 => Some("lsm_list_modules"),
        462 => Some("mseal"),
        _ => None,
    }
}
