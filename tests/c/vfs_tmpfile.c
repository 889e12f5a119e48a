/* O_TMPFILE: an unnamed regular file in a directory (no link, the umask
 * applied, invisible in the listing), named later with linkat through
 * AT_EMPTY_PATH or /proc/self/fd/N with AT_SYMLINK_FOLLOW; with O_EXCL,
 * or once it was linked and unlinked again, it cannot be linked
 * (ENOENT); and the errors of a bad flag combination (EINVAL), of a path
 * that is no directory (ENOTDIR, ENOENT) and of a filesystem without
 * unnamed files (EOPNOTSUPP). */
#define _GNU_SOURCE
#include <dirent.h>
#include "vfs.h"

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL, "opendir");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void proc_link(int fd, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    CHECK(linkat(AT_FDCWD, path, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0, "linkat %s: %s", name, errname(errno));
}

int main(void)
{
    enter_scratch_dir();
    umask(022);
    CHECK(mkdir("d", 0755) == 0, "mkdir");
    int fd = open("d", O_TMPFILE | O_RDWR, 0666);
    CHECK(fd >= 0, "O_TMPFILE: %s", errname(errno));
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "a regular file");
    CHECK(st.st_nlink == 0, "no link (%lu)", (unsigned long)st.st_nlink);
    CHECK((st.st_mode & 07777) == 0644, "the umask applied (%o)", st.st_mode & 07777);
    CHECK(entries("d") == 0, "no name in the directory");
    CHECK(write(fd, "data", 4) == 4, "write");
    char buf[8] = {0};
    CHECK(pread(fd, buf, sizeof buf, 0) == 4 && !memcmp(buf, "data", 4), "read back");
    OK("an unnamed file");

    /* Named through AT_EMPTY_PATH (root has CAP_DAC_READ_SEARCH). */
    CHECK(linkat(fd, "", AT_FDCWD, "d/named", AT_EMPTY_PATH) == 0, "linkat AT_EMPTY_PATH: %s", errname(errno));
    struct stat named;
    CHECK(stat("d/named", &named) == 0 && named.st_ino == st.st_ino && named.st_nlink == 1, "the name is the file");
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 1, "one link now");
    int rd = open("d/named", O_RDONLY);
    CHECK(rd >= 0 && read(rd, buf, sizeof buf) == 4 && !memcmp(buf, "data", 4), "the data under the name");
    close(rd);
    CHECK(entries("d") == 1, "one name in the directory");
    EXPECT_ERRNO("linking a name that exists", EEXIST, linkat(fd, "", AT_FDCWD, "d/named", AT_EMPTY_PATH));
    /* Linked once, unlinked again: it cannot come back. */
    CHECK(unlink("d/named") == 0, "unlink");
    EXPECT_ERRNO("relinking after the last name went", ENOENT, linkat(fd, "", AT_FDCWD, "d/again", AT_EMPTY_PATH));
    close(fd);

    /* Named through /proc/self/fd/N, in another directory of the mount. */
    fd = open("d", O_TMPFILE | O_WRONLY, 0600);
    CHECK(fd >= 0, "O_TMPFILE|O_WRONLY");
    CHECK(write(fd, "two", 3) == 3, "write");
    proc_link(fd, "elsewhere");
    CHECK(stat("elsewhere", &named) == 0 && named.st_size == 3 && (named.st_mode & 07777) == 0600, "linked through /proc");
    proc_link(fd, "second");
    CHECK(stat("second", &named) == 0 && named.st_nlink == 2, "a second link");
    close(fd);
    OK("named with linkat");

    /* O_EXCL: never linkable. */
    fd = open("d", O_TMPFILE | O_RDWR | O_EXCL, 0600);
    CHECK(fd >= 0, "O_TMPFILE|O_EXCL");
    EXPECT_ERRNO("O_EXCL, AT_EMPTY_PATH", ENOENT, linkat(fd, "", AT_FDCWD, "d/x", AT_EMPTY_PATH));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    EXPECT_ERRNO("O_EXCL, /proc/self/fd", ENOENT, linkat(AT_FDCWD, path, AT_FDCWD, "d/x", AT_SYMLINK_FOLLOW));
    close(fd);

    /* Bad flags and paths. */
    EXPECT_ERRNO("read-only", EINVAL, open("d", O_TMPFILE | O_RDONLY, 0600));
    EXPECT_ERRNO("without O_DIRECTORY", EINVAL, open("d", (O_TMPFILE & ~O_DIRECTORY) | O_RDWR, 0600));
    EXPECT_ERRNO("with O_CREAT", EINVAL, open("d", O_TMPFILE | O_CREAT | O_RDWR, 0600));
    /* open() keeps only O_PATH's flags: a path descriptor of the directory. */
    fd = open("d", O_TMPFILE | O_PATH | O_RDWR, 0600);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode), "O_PATH wins");
    EXPECT_ERRNO("reading it", EBADF, read(fd, buf, 1));
    close(fd);
    EXPECT_ERRNO("on a regular file", ENOTDIR, open("elsewhere", O_TMPFILE | O_RDWR, 0600));
    EXPECT_ERRNO("on a missing directory", ENOENT, open("missing", O_TMPFILE | O_RDWR, 0600));
    CHECK(symlink("d", "link") == 0, "symlink");
    fd = open("link", O_TMPFILE | O_RDWR, 0600);
    CHECK(fd >= 0, "through a link to a directory");
    close(fd);
    EXPECT_ERRNO("O_NOFOLLOW on a link", ENOTDIR, open("link", O_TMPFILE | O_NOFOLLOW | O_RDWR, 0600));
    EXPECT_ERRNO("in /proc", EOPNOTSUPP, open("/proc", O_TMPFILE | O_RDWR, 0600));
    CHECK(entries("d") == 0, "still nothing in the directory");

    /* In a directory of the host's tree (the sandbox's overlay). */
    fd = open("/var/tmp", O_TMPFILE | O_RDWR, 0600);
    CHECK(fd >= 0, "O_TMPFILE in /var/tmp: %s", errname(errno));
    CHECK(write(fd, "x", 1) == 1 && fstat(fd, &st) == 0 && st.st_nlink == 0 && st.st_size == 1, "an unnamed file there");
    close(fd);
    OK("O_TMPFILE");
    return 0;
}
