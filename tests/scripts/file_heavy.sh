# A file-heavy busybox sh script: builds a tree of a few hundred files in
# the directory $1 and creates, copies, renames, links, symlinks, chmods,
# lists, finds, sorts, tars and untars, gzips and gunzips it. Its output
# is the same on any filesystem: no times, inode numbers, block counts or
# directory sizes are printed, and every listing is sorted.
set -e
umask 022
cd "$1"
T="2020-01-01 00:00:00"

# Make: 300 files in 10 x 6 directories.
i=0
while [ $i -lt 300 ]; do
	d=tree/d$((i % 10))/s$((i % 6))
	[ -d $d ] || mkdir -p $d
	echo "file $i square $((i * i))" > $d/f$i
	i=$((i + 1))
done
seq 1 2000 > tree/numbers
echo "made $(find tree -type f | wc -l) files in $(find tree -type d | wc -l) directories"

# Links, renames, modes.
ln tree/d0/s0/f0 tree/hard0
ln -s d0/s0/f0 tree/sym0
ln -s ../numbers tree/d1/numlink
ln -s missing tree/dangling
mv tree/d9/s3/f9 tree/d9/s3/renamed
mv tree/d8 tree/d8moved
mkdir tree/empty
mkfifo tree/fifo
chmod 600 tree/d0/s0/f0
chmod 751 tree/d2
chmod -R go-w tree/d3
chmod 4755 tree/d4/s4/f4
cat tree/hard0 tree/sym0 tree/d1/numlink | wc -l

# Copies: cp -a keeps links, cp -r of one directory.
cp -a tree copy
cp -r tree/d5 tree/d5copy
cmp tree/numbers copy/numbers && echo "copy equal"
rm -r copy/d6 copy/d7
rm copy/hard0
rmdir copy/empty

# Finds and sorts.
find tree -type f | sort | md5sum
find tree -name 'f1*' | sort | head -n 5
find tree copy -type l | sort
find tree -perm -4000 | sort
find tree -type f -size +1k | sort
sort -r tree/numbers | head -n 3
sort -n -r tree/numbers | head -n 3
cat tree/d*/s*/f* | sort -t ' ' -k 4 -n | tail -n 2

# Fixed times, so that ls and tar show the same everywhere.
find tree copy -exec touch -h -d "$T" {} +

# ls -la: modes, links, owners, sizes and times (not of directories,
# whose sizes depend on the filesystem), names.
lsla() {
	ls -la "$@" | grep -v '^total' | awk '/^d/ { print $1, $2, $3, $4, $NF; next } { print }'
}
lsla -R tree copy

# tar and gzip round trips.
tar cf tree.tar tree
gzip -9 -c tree.tar > tree.tar.gz
mkdir out
cd out
gunzip -c ../tree.tar.gz | tar xf -
cd ..
rm tree.tar
gunzip tree.tar.gz
tar tf tree.tar | sort | md5sum
tar tvf tree.tar | awk '{ print $1, $2, $3, $NF }' | sort | tail -n 4
cmp tree/numbers out/tree/numbers && echo "untarred equal"
find out -type f | sort | xargs cat | md5sum
lsla out/tree/d0/s0

# Removals and what is left.
rm -r out/tree/d1
rm tree/d*/s*/f1?
find . | sort | wc -l
du -a tree >/dev/null
echo done
