# The host's coreutils and friends, run by bash: every line printed is
# the same on any run and any machine with these Debian packages. Run as
# `bash -c "$(cat coreutils.sh)"` in a clean environment (TZ=UTC, LC_ALL=C).
# (Process substitution and /dev/stdout are bash_dev_fd's, not here.)
set -eu
umask 022
d=$(mktemp -d)
trap 'cd /; rm -rf "$d"' EXIT
cd "$d"

mkdir -p tree/a/b tree/c
printf 'banana\napple\ncherry\napple\ndate\n' > tree/fruits.txt
seq 1 1000 > tree/a/nums.txt
printf 'alpha beta\ngamma\n\ndelta epsilon zeta\n' > tree/a/b/words.txt
printf 'x\n' > tree/c/one
printf 'yy\n' > tree/c/two
ln -s ../fruits.txt tree/c/link
chmod 640 tree/c/two

echo '== ls'
ls tree
ls -1 tree/c
ls -l tree/c | awk 'NR > 1 { print $1, $2, $5, $NF }'
ls -ld tree/a | cut -c1-10

echo '== sort, uniq'
sort tree/fruits.txt
sort -r tree/fruits.txt | head -2
sort -u tree/fruits.txt | tr '\n' ' '; echo
sort tree/fruits.txt | uniq -c
seq 1 20 | sort -n -r | head -3 | tr '\n' ' '; echo
printf '10 b\n9 a\n10 a\n' | sort -k1,1n -k2,2

echo '== wc'
wc -l < tree/a/nums.txt
wc -w -c tree/a/b/words.txt
cat tree/fruits.txt tree/a/b/words.txt | wc

echo '== sed'
sed -n '3p;$p' tree/fruits.txt
sed 's/a/A/g' tree/fruits.txt | tr '\n' ' '; echo
cp tree/fruits.txt f2
sed -i -e '/apple/d' -e 's/^/> /' f2
cat f2
sed -n '/^9[0-9][0-9]$/{=;p}' tree/a/nums.txt | head -4

echo '== awk'
awk '{ s += $1 } END { print "sum", s, "mean", s / NR }' tree/a/nums.txt
awk -F' ' 'NF { print NR": "NF" fields, last "$NF }' tree/a/b/words.txt
awk 'BEGIN { printf "%05.2f|%-4s|%x\n", 3.14159, "ab", 255 }'

echo '== grep'
grep -c apple tree/fruits.txt
grep -n -E '^(b|c)' tree/fruits.txt
grep -v -e apple -e banana tree/fruits.txt
grep -r -l -F epsilon tree
grep -o '[0-9]*7[0-9]*' tree/a/nums.txt | wc -l
grep -q nothing-here tree/fruits.txt || echo "grep -q: status $?"

echo '== find'
find tree | sort
find tree -type f -name '*.txt' | sort
find tree -type l -printf '%p -> %l\n'
find tree -type f -size +1k -printf '%f %s\n'
find tree -maxdepth 1 -mindepth 1 -type d | sort
find tree -name 'one' -exec cat {} \;
find tree -type f -perm 640 -printf '%f %m\n'

echo '== xargs'
seq 1 7 | xargs -n 3 echo
find tree -type f -print0 | sort -z | xargs -0 wc -l | tail -1
printf 'a\nb\nc\n' | xargs -I{} echo 'item {}'
seq 1 6 | xargs -P 2 -n 1 sh -c 'echo $(( $0 * $0 ))' | sort -n | tr '\n' ' '; echo

echo '== tar, gzip'
tar -cf t.tar -C tree .
tar -tf t.tar | sort
mkdir out
tar -xf t.tar -C out
diff -r tree out && echo "tar: extracted tree is identical"
tar -czf t.tgz -C tree a
tar -tzf t.tgz | sort
gzip -n -c tree/a/nums.txt > nums.gz
gzip -d -c nums.gz | cmp - tree/a/nums.txt && echo "gzip: round trip"
gzip -l nums.gz | awk 'NR == 2 { print $1, $2 }'
sha256sum nums.gz | cut -d' ' -f1
gzip -t nums.gz && echo "gzip -t: ok"

echo '== sha256sum'
sha256sum tree/fruits.txt tree/a/b/words.txt
sha256sum tree/fruits.txt tree/a/nums.txt > sums
sha256sum -c sums
printf 'abc' | sha256sum

echo '== date'
date -d '2024-02-29 13:45:06' '+%Y-%m-%d %H:%M:%S %Z %s %A %j'
date -u -d @0 '+%F %T'
date -d '2024-02-29 + 1 year' +%F
TZ=America/New_York date -d '@1700000000' '+%F %T %Z'
date -d 'bogus' 2>/dev/null || echo "date: bad date rejected"

echo '== env, id'
env -i A=1 B='two words' env | sort
env | cut -d= -f1 | sort | tr '\n' ' '; echo
env -u TZ -u LC_ALL env | grep -c -e ^TZ= -e ^LC_ALL= || true
env | grep -c '^PATH=/usr/bin:/bin$'
id -u; id -g; id -un; id -gn

echo '== pipes and processes'
seq 1 100000 | sort -n -r | head -1
yes y | head -5 | tr -d '\n'; echo
printf 'a\nb\n' > l1; printf 'a\nc\n' > l2
diff l1 l2 || echo "diff: status $?"
read -r first rest <<< "here string works"; echo "$first|$rest"
( sleep 0.1; echo "background" ) & wait
echo done
