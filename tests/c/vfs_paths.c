/* Path resolution: relative and absolute paths, dirfds, "." and "..",
 * symbolic links and their limit of 40, O_NOFOLLOW, O_DIRECTORY,
 * AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, trailing slashes, ENAMETOOLONG,
 * getcwd through renames, and chdir/fchdir. */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "vfs.h"

static ino_t ino_of(const char *p)
{
    struct stat st;
    if (stat(p, &st) != 0) FAIL("stat %s: %s", p, errname(errno));
    return st.st_ino;
}

int main(void)
{
    enter_scratch_dir();
    char base[PATH_MAX];
    CHECK(getcwd(base, sizeof base) != NULL, "getcwd");

    CHECK(mkdir("d", 0755) == 0, "mkdir d");
    CHECK(mkdir("d/e", 0755) == 0, "mkdir d/e");
    int fd = open("d/f", O_CREAT | O_WRONLY | O_EXCL, 0644);
    CHECK(fd >= 0, "create d/f");
    CHECK(write(fd, "data", 4) == 4, "write");
    close(fd);
    EXPECT_ERRNO("O_EXCL on an existing file", EEXIST, open("d/f", O_CREAT | O_EXCL | O_WRONLY, 0644));

    CHECK(ino_of("d/f") == ino_of("./d/../d/./e/../f"), "dots");
    CHECK(ino_of("/") == ino_of("/.."), "'..' at the root stays there");
    CHECK(ino_of("/") == ino_of("/../../.."), "many '..' at the root");
    CHECK(ino_of("d//f") == ino_of("d/f"), "double slashes");
    OK("dots and slashes");

    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0, "open d");
    struct stat a, b;
    CHECK(fstatat(dfd, "f", &a, 0) == 0 && stat("d/f", &b) == 0 && a.st_ino == b.st_ino, "fstatat relative to a dirfd");
    CHECK(fstatat(dfd, "", &a, AT_EMPTY_PATH) == 0 && S_ISDIR(a.st_mode), "AT_EMPTY_PATH names the dirfd");
    EXPECT_ERRNO("an empty path without AT_EMPTY_PATH", ENOENT, fstatat(dfd, "", &a, 0));
    int ffd = openat(dfd, "f", O_RDONLY);
    CHECK(ffd >= 0, "openat");
    EXPECT_ERRNO("a file as dirfd", ENOTDIR, fstatat(ffd, "x", &a, 0));
    CHECK(fstatat(ffd, "/", &a, 0) == 0 && S_ISDIR(a.st_mode), "an absolute path ignores the dirfd");
    EXPECT_ERRNO("a bad dirfd", EBADF, fstatat(999, "x", &a, 0));
    close(ffd);

    CHECK(symlink("f", "d/l") == 0, "symlink");
    CHECK(symlink("../f", "d/e/up") == 0, "symlink up");
    CHECK(symlink("/nonexistent-sbx", "d/dangling") == 0, "dangling symlink");
    CHECK(ino_of("d/l") == ino_of("d/f") && ino_of("d/e/up") == ino_of("d/f"), "links followed");
    CHECK(lstat("d/l", &a) == 0 && S_ISLNK(a.st_mode) && a.st_size == 1, "lstat sees the link");
    CHECK(fstatat(dfd, "l", &a, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(a.st_mode), "AT_SYMLINK_NOFOLLOW");
    char buf[64];
    CHECK(readlink("d/e/up", buf, sizeof buf) == 4 && memcmp(buf, "../f", 4) == 0, "readlink");
    CHECK(readlinkat(dfd, "l", buf, 1) == 1 && buf[0] == 'f', "readlinkat truncates");
    EXPECT_ERRNO("readlink of a file", EINVAL, readlink("d/f", buf, sizeof buf));
    EXPECT_ERRNO("a dangling link", ENOENT, open("d/dangling", O_RDONLY));
    EXPECT_ERRNO("O_NOFOLLOW on a link", ELOOP, open("d/l", O_RDONLY | O_NOFOLLOW));
    int pfd = open("d/l", O_PATH | O_NOFOLLOW);
    CHECK(pfd >= 0, "O_PATH|O_NOFOLLOW opens the link itself");
    CHECK(fstat(pfd, &a) == 0 && S_ISLNK(a.st_mode), "fstat of an O_PATH link");
    CHECK(readlinkat(pfd, "", buf, sizeof buf) == 1, "readlinkat of an O_PATH link with an empty path");
    EXPECT_ERRNO("read from O_PATH", EBADF, read(pfd, buf, 1));
    close(pfd);
    EXPECT_ERRNO("O_DIRECTORY on a file", ENOTDIR, open("d/f", O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO("O_DIRECTORY through a link to a file", ENOTDIR, open("d/l", O_RDONLY | O_DIRECTORY));
    CHECK(symlink("e", "d/le") == 0, "link to a dir");
    CHECK(lstat("d/le/", &a) == 0 && S_ISDIR(a.st_mode), "a trailing slash follows a link");
    OK("symbolic links");

    CHECK(symlink("loop", "loop") == 0, "self link");
    EXPECT_ERRNO("a link to itself", ELOOP, open("loop", O_RDONLY));
    EXPECT_ERRNO("a link to itself in the middle", ELOOP, stat("loop/x", &a));
    char name[16], target[16];
    for (int i = 0; i <= 40; i++) {
        snprintf(name, sizeof name, "c%d", i);
        if (i == 0)
            snprintf(target, sizeof target, "d/f");
        else
            snprintf(target, sizeof target, "c%d", i - 1);
        CHECK(symlink(target, name) == 0, "chain link %d", i);
    }
    CHECK(stat("c39", &a) == 0, "40 links are followed");
    EXPECT_ERRNO("41 links are too many", ELOOP, stat("c40", &a));
    OK("link limit");

    EXPECT_ERRNO("a file with a trailing slash", ENOTDIR, stat("d/f/", &a));
    EXPECT_ERRNO("a file then '.'", ENOTDIR, stat("d/f/.", &a));
    EXPECT_ERRNO("O_CREAT with a trailing slash", EISDIR, open("d/new/", O_CREAT | O_WRONLY, 0644));
    EXPECT_ERRNO("O_CREAT on a directory", EISDIR, open("d", O_CREAT | O_RDONLY, 0644));
    EXPECT_ERRNO("a directory for writing", EISDIR, open("d", O_WRONLY));
    CHECK(mkdir("d/g/", 0755) == 0, "mkdir with a trailing slash");
    EXPECT_ERRNO("mkdir of an existing name", EEXIST, mkdir("d/g", 0755));
    EXPECT_ERRNO("mkdir in a missing directory", ENOENT, mkdir("d/nope/x", 0755));
    EXPECT_ERRNO("mkdir under a file", ENOTDIR, mkdir("d/f/x", 0755));
    EXPECT_ERRNO("a missing file", ENOENT, stat("d/missing", &a));
    EXPECT_ERRNO("an empty path", ENOENT, stat("", &a));
    OK("trailing slashes");

    char longname[300];
    memset(longname, 'n', 256);
    longname[256] = 0;
    EXPECT_ERRNO("a 256-byte name", ENAMETOOLONG, open(longname, O_CREAT | O_WRONLY, 0644));
    longname[255] = 0;
    fd = open(longname, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0, "a 255-byte name: %s", errname(errno));
    close(fd);
    CHECK(unlink(longname) == 0, "unlink long");
    static char longpath[PATH_MAX + 10];
    memset(longpath, 'a', sizeof longpath - 1);
    for (int i = 1; i < (int)sizeof longpath - 1; i += 2)
        longpath[i] = '/';
    EXPECT_ERRNO("a path of PATH_MAX bytes", ENAMETOOLONG, stat(longpath, &a));
    /* A path that ends right before unmapped memory is found; one that
       runs into it, or starts there, is EFAULT. */
    long page = sysconf(_SC_PAGESIZE);
    char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(two != MAP_FAILED, "mmap");
    CHECK(munmap(two + page, page) == 0, "munmap");
    memcpy(two + page - 2, "d", 2);
    CHECK(stat(two + page - 2, &a) == 0, "a path ending at the end of a page: %s", errname(errno));
    memset(two + page - 300, 'x', 300);
    EXPECT_ERRNO("a path running into unmapped memory", EFAULT, stat(two + page - 300, &a));
    EXPECT_ERRNO("a path in unmapped memory", EFAULT, stat(two + page, &a));
    munmap(two, page);
    OK("name lengths");

    CHECK(chdir("d/e") == 0, "chdir d/e");
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    CHECK(strlen(cwd) == strlen(base) + 4 && strncmp(cwd, base, strlen(base)) == 0 && strcmp(cwd + strlen(base), "/d/e") == 0, "getcwd after chdir");
    CHECK(rename("../../d", "../../dd") == 0, "rename an ancestor of the cwd");
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd + strlen(base), "/dd/e") == 0, "getcwd sees the rename");
    CHECK(fchdir(dfd) == 0, "fchdir");
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd + strlen(base), "/dd") == 0, "getcwd after fchdir");
    EXPECT_ERRNO("chdir to a file", ENOTDIR, chdir("f"));
    EXPECT_ERRNO("fchdir to a file", ENOTDIR, fchdir(fd = open("f", O_RDONLY)));
    close(fd);
    CHECK(mkdir("gone", 0755) == 0 && chdir("gone") == 0 && rmdir("../gone") == 0, "remove the cwd");
    EXPECT_ERRNO("getcwd of a removed directory", ENOENT, syscall(SYS_getcwd, cwd, sizeof cwd));
    EXPECT_ERRNO("create in a removed directory", ENOENT, open("x", O_CREAT | O_WRONLY, 0644));
    CHECK(stat(".", &a) == 0 && a.st_nlink == 0, "a removed directory has no links");
    CHECK(chdir("/") == 0, "chdir /");
    CHECK(getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/") == 0, "getcwd at the root");
    OK("working directory");
    return 0;
}
