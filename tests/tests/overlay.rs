//! The default root is the host's, read-only, under an in-memory overlay:
//! a script changes a host directory in every way the overlay handles
//! (writes that copy up, new files, removals that leave whiteouts, a
//! directory removed and made again, renames, links, mode changes, a
//! directory moved by copying) and
//! lists it; the listing is what the changes make, and the host directory
//! is left exactly as it was.

use std::path::Path;

use sandbox_tests::{run_sandboxed, scratch_dir, Status};

const SCRIPT: &str = r#"
cd "$1" || exit 9
echo more >> f && cat f
echo new > g
rm h
rm -r d && mkdir d && ls -a d | tr '\n' ' ' && echo
mv g g2
ln f f.link
chmod 600 f
ls -l f | cut -c1-10
mv e e2
ls | tr '\n' ' ' && echo
ls -i f f.link | awk '{print $1}' | uniq | wc -l
cat e2/inner
rm e2/inner
ls e2 | wc -l
"#;

#[test]
fn changes_stay_in_the_sandbox_and_look_right() {
    let dir = scratch_dir().join(format!("sbx-overlay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("d/sub")).unwrap();
    std::fs::create_dir_all(dir.join("e")).unwrap();
    std::fs::write(dir.join("f"), "lower\n").unwrap();
    std::fs::write(dir.join("h"), "gone\n").unwrap();
    std::fs::write(dir.join("d/x"), "x\n").unwrap();
    std::fs::write(dir.join("e/inner"), "inner\n").unwrap();
    let snapshot = |p: &Path| {
        let mut v = Vec::new();
        for e in walk(p) {
            let md = std::fs::symlink_metadata(&e).unwrap();
            let data = if md.is_file() { std::fs::read(&e).unwrap() } else { Vec::new() };
            v.push((e, std::os::unix::fs::PermissionsExt::mode(&md.permissions()), data));
        }
        v
    };
    let before = snapshot(&dir);
    let out = run_sandboxed(Path::new("/bin/busybox"), &["sh", "-c", SCRIPT, "sh", dir.to_str().unwrap()], b"", &[]);
    assert_eq!(out.status, Status::Exited(0), "{out}");
    // `mv` of a directory with lower contents gets EXDEV and copies.
    let expected = "lower\nmore\n. .. \n-rw-------\nd e2 f f.link g2 \n1\ninner\n0\n";
    assert_eq!(out.stdout_text(), expected, "{out}");
    assert_eq!(snapshot(&dir), before, "the host directory changed");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn walk(p: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![p.to_path_buf()];
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for e in entries {
            out.extend(walk(&e));
        }
    }
    out
}
