# git in a temporary directory (in the sandbox: its own /tmp): init, add,
# commit (identity and dates fixed, so the hashes are the same on every
# run), log, branch, merge, diff, status, tag, archive. git runs helper
# programs and pipes between them. Run by bash -c.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export HOME="$d" GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat PAGER=cat
export GIT_AUTHOR_NAME=Sandbox GIT_AUTHOR_EMAIL=sandbox@example.com
export GIT_COMMITTER_NAME=Sandbox GIT_COMMITTER_EMAIL=sandbox@example.com
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
cd "$d"
git init -q -b main repo
cd repo
printf 'hello\n' > a.txt
mkdir sub
printf 'one\ntwo\n' > sub/b.txt
git add a.txt sub
git -c user.name=Ignored -c user.email=ignored@example.com commit -q -m 'first commit'
git checkout -q -b feature
printf 'three\n' >> sub/b.txt
git commit -q -am 'feature: add three'
git checkout -q main
printf 'hello world\n' > a.txt
git commit -q -am 'main: change a'
git merge -q --no-edit feature
git tag -a v1 -m 'version 1'
git log --format=%s
git log --format='%H %an <%ae> %ad' --date=iso-strict -1 v1
git rev-parse HEAD^{tree}
git cat-file -p HEAD:sub/b.txt
git diff HEAD~2 HEAD --stat
git diff --name-status HEAD~1
printf 'dirty\n' >> a.txt
printf 'new\n' > c.txt
git status --short
git diff --numstat
git stash -q
git status --short
git ls-files | tr '\n' ' '; echo
git archive --format=tar HEAD | tar -t | sort | tr '\n' ' '; echo
git grep -n two
git count-objects | cut -d, -f1
git gc -q && git count-objects -v | grep -E '^(count|in-pack):'
git fsck --no-dangling && echo "fsck: ok"
echo done
