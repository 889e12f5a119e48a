/* Permission checks, run as nobody (65534) in a child since root bypasses
 * them: search permission on directories, read and write permission on
 * files, creating and removing in a directory, sticky directories,
 * access and faccessat, chmod/chown/utimensat by a non-owner, and hard
 * links to other users' files. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "vfs.h"

static void unprivileged(void)
{
    struct stat st;
    EXPECT_ERRNO("search without x on the directory", EACCES, stat("closed/f", &st));
    EXPECT_ERRNO("open a 0600 file of root", EACCES, open("pub/secret", O_RDONLY));
    EXPECT_ERRNO("write a 0644 file of root", EACCES, open("pub/readable", O_WRONLY));
    int fd = open("pub/readable", O_RDONLY);
    CHECK(fd >= 0, "read a 0644 file of root");
    close(fd);
    EXPECT_ERRNO("create in a 0755 directory of root", EACCES, open("pub/new", O_CREAT | O_WRONLY, 0644));
    EXPECT_ERRNO("mkdir in a 0755 directory of root", EACCES, mkdir("pub/newdir", 0755));
    EXPECT_ERRNO("unlink in a 0755 directory of root", EACCES, unlink("pub/readable"));
    EXPECT_ERRNO("O_TRUNC without write permission", EACCES, open("pub/readable", O_RDONLY | O_TRUNC));
    EXPECT_ERRNO("access W_OK", EACCES, access("pub/readable", W_OK));
    CHECK(access("pub/readable", R_OK) == 0, "access R_OK");
    EXPECT_ERRNO("access X_OK on a file without x", EACCES, access("pub/readable", X_OK));
    CHECK(access("pub", X_OK) == 0, "access X_OK on a directory");
    EXPECT_ERRNO("access with a bad mode", EINVAL, access("pub", 8));
    EXPECT_ERRNO("chmod of root's file", EPERM, chmod("pub/readable", 0777));
    EXPECT_ERRNO("chown of root's file", EPERM, chown("pub/readable", 65534, 65534));
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    EXPECT_ERRNO("explicit times on root's file", EPERM, utimensat(AT_FDCWD, "pub/readable", ts, 0));
    EXPECT_ERRNO("times set to now without write permission", EACCES, utimensat(AT_FDCWD, "pub/readable", NULL, 0));
    CHECK(utimensat(AT_FDCWD, "pub/writable", NULL, 0) == 0, "times set to now with write permission");
    EXPECT_ERRNO("a hard link to root's 0644 file", EPERM, link("pub/readable", "tmp/hl"));
    CHECK(link("pub/writable", "tmp/hl") == 0, "a hard link to a file one may read and write");

    fd = open("tmp/mine", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0, "create in a sticky 1777 directory");
    CHECK(fstat(fd, &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534, "owned by the creator");
    close(fd);
    EXPECT_ERRNO("unlink root's file in a sticky directory", EPERM, unlink("tmp/roots"));
    EXPECT_ERRNO("rename root's file in a sticky directory", EPERM, rename("tmp/roots", "tmp/x"));
    CHECK(rename("tmp/mine", "tmp/mine2") == 0 && unlink("tmp/mine2") == 0, "one's own files in a sticky directory");
    CHECK(chmod("tmp/hl", 0644) == -1 && errno == EPERM, "chmod of a link to root's file");
    CHECK(mkdir("tmp/own", 0700) == 0 && chmod("tmp/own", 0750) == 0, "chmod of one's own directory");
    EXPECT_ERRNO("chown to another user", EPERM, chown("tmp/own", 0, -1));
    CHECK(chown("tmp/own", -1, 65534) == 0, "chown to one's own group");
    EXPECT_ERRNO("chown to a group one is not in", EPERM, chown("tmp/own", -1, 0));
    CHECK(umask(077) == 022, "umask");
    CHECK(mkdir("tmp/own/u", 0777) == 0 && stat("tmp/own/u", &st) == 0 && (st.st_mode & 0777) == 0700, "umask on mkdir");
    OK("unprivileged checks");
}

int main(void)
{
    enter_scratch_dir();
    umask(022);
    CHECK(mkdir("closed", 0700) == 0, "mkdir closed");
    close(open("closed/f", O_CREAT | O_WRONLY, 0644));
    CHECK(mkdir("pub", 0755) == 0, "mkdir pub");
    close(open("pub/secret", O_CREAT | O_WRONLY, 0600));
    close(open("pub/readable", O_CREAT | O_WRONLY, 0644));
    close(open("pub/writable", O_CREAT | O_WRONLY, 0666));
    CHECK(chmod("pub/writable", 0666) == 0, "chmod writable");
    CHECK(mkdir("tmp", 0777) == 0 && chmod("tmp", 01777) == 0, "a sticky directory");
    close(open("tmp/roots", O_CREAT | O_WRONLY, 0666));
    CHECK(chmod("tmp/roots", 0666) == 0, "chmod roots");
    struct stat st;
    CHECK(stat("closed/f", &st) == 0, "root searches anything");
    CHECK(access("pub/secret", R_OK | W_OK) == 0, "root may read and write anything");
    EXPECT_ERRNO("root may not execute a file without x", EACCES, access("pub/secret", X_OK));
    as_nobody(unprivileged);
    CHECK(stat("tmp/hl", &st) == 0 && st.st_nlink == 2, "the link made by nobody");
    CHECK(mkdir("sg", 0755) == 0 && chown("sg", 0, 65534) == 0 && chmod("sg", 02775) == 0, "a set-group-ID directory");
    CHECK(mkdir("sg/sub", 0755) == 0 && stat("sg/sub", &st) == 0 && st.st_gid == 65534 && (st.st_mode & S_ISGID), "a subdirectory inherits the group and the bit");
    close(open("sg/file", O_CREAT | O_WRONLY, 0644));
    CHECK(stat("sg/file", &st) == 0 && st.st_gid == 65534 && !(st.st_mode & S_ISGID), "a file inherits the group only");
    CHECK(chmod("pub/readable", 06755) == 0 && chown("pub/readable", 1, 1) == 0, "chown of a set-ID file");
    CHECK(stat("pub/readable", &st) == 0 && (st.st_mode & 07777) == 0755, "chown clears the set-ID bits");
    OK("privileged checks");
    return 0;
}
