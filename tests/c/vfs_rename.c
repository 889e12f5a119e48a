/* rename, renameat and renameat2: replacing files and empty directories,
 * the kinds that may replace each other, moves into oneself, trailing
 * slashes, RENAME_NOREPLACE and RENAME_EXCHANGE, and hard links. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "vfs.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static long rename2(const char *a, const char *b, unsigned flags)
{
    return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static void put(const char *path, const char *data)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data), "write %s", path);
    close(fd);
}

static int has(const char *path, const char *data)
{
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n == (ssize_t)strlen(data) && !strcmp(buf, data);
}

int main(void)
{
    enter_scratch_dir();
    struct stat st;
    put("a", "A");
    put("b", "B");
    CHECK(rename("a", "c") == 0 && has("c", "A") && stat("a", &st) == -1 && errno == ENOENT, "rename to a new name");
    CHECK(rename("c", "b") == 0 && has("b", "A") && stat("c", &st) == -1, "rename replaces a file");
    CHECK(rename("b", "b") == 0 && has("b", "A"), "rename onto itself");
    CHECK(link("b", "b2") == 0 && rename("b", "b2") == 0 && has("b", "A") && has("b2", "A"), "rename between two links of one file does nothing");
    EXPECT_ERRNO("rename of a missing file", ENOENT, rename("missing", "x"));
    EXPECT_ERRNO("rename into a missing directory", ENOENT, rename("b", "nodir/x"));
    OK("files");

    CHECK(mkdir("d1", 0755) == 0 && mkdir("d2", 0755) == 0 && mkdir("d3", 0755) == 0, "mkdirs");
    put("d3/inside", "I");
    CHECK(rename("d1", "d2") == 0 && stat("d1", &st) == -1, "a directory replaces an empty one");
    EXPECT_ERRNO("onto a non-empty directory", ENOTEMPTY, rename("d2", "d3"));
    EXPECT_ERRNO("a file onto a directory", EISDIR, rename("b", "d2"));
    EXPECT_ERRNO("a directory onto a file", ENOTDIR, rename("d2", "b"));
    EXPECT_ERRNO("a directory into itself", EINVAL, rename("d3", "d3/sub"));
    CHECK(mkdir("d3/s", 0755) == 0, "mkdir d3/s");
    EXPECT_ERRNO("a directory onto its ancestor", ENOTEMPTY, rename("d3/s", "d3"));
    CHECK(rmdir("d3/s") == 0, "rmdir d3/s");
    EXPECT_ERRNO("a file with a trailing slash", ENOTDIR, rename("b/", "e"));
    EXPECT_ERRNO("to a trailing slash", ENOTDIR, rename("b", "e/"));
    CHECK(rename("d2/", "d4/") == 0, "directories with trailing slashes");
    EXPECT_ERRNO("rename of '.'", EBUSY, rename(".", "x"));
    CHECK(rename("d3/inside", "d4/moved") == 0 && has("d4/moved", "I"), "between directories");
    CHECK(stat("d3", &st) == 0 && st.st_nlink == 2, "link counts");
    CHECK(mkdir("d3/sub", 0755) == 0 && rename("d3/sub", "d4/sub") == 0, "a directory changes parent");
    CHECK(stat("d3", &st) == 0 && st.st_nlink == 2 && stat("d4", &st) == 0 && st.st_nlink == 3, "its parents' link counts");
    CHECK(stat("d4/sub/..", &st) == 0 && stat("d4", &st) == 0, "its '..' is the new parent");
    OK("directories");

    put("n1", "1");
    put("n2", "2");
    EXPECT_ERRNO("RENAME_NOREPLACE onto a file", EEXIST, rename2("n1", "n2", RENAME_NOREPLACE));
    CHECK(rename2("n1", "n3", RENAME_NOREPLACE) == 0 && has("n3", "1"), "RENAME_NOREPLACE to a new name");
    CHECK(rename2("n3", "n2", RENAME_EXCHANGE) == 0 && has("n3", "2") && has("n2", "1"), "RENAME_EXCHANGE swaps");
    EXPECT_ERRNO("RENAME_EXCHANGE with a missing target", ENOENT, rename2("n3", "n9", RENAME_EXCHANGE));
    EXPECT_ERRNO("both flags", EINVAL, rename2("n3", "n2", RENAME_EXCHANGE | RENAME_NOREPLACE));
    EXPECT_ERRNO("unknown flags", EINVAL, rename2("n3", "n2", 0x80));
    CHECK(rename2("n3", "d4", RENAME_EXCHANGE) == 0 && stat("n3", &st) == 0 && S_ISDIR(st.st_mode) && has("d4", "2"), "exchange a file and a directory");
    CHECK(stat("n3/moved", &st) == 0, "the directory moved whole");
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(renameat(fd, "n2", fd, "n5") == 0 && has("n5", "1"), "renameat");
    close(fd);
    OK("renameat2");
    return 0;
}
