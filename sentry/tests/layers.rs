//! The sentry's layering (the table at the top of `src/lib.rs`) holds: no
//! module imports one above it. Test modules (`#[cfg(test)]` to the end of
//! a file) may use what they like as fixtures.

use std::collections::BTreeSet;
use std::path::Path;

/// Each top-level module and the modules it may import.
const ALLOWED: &[(&str, &[&str])] = &[
    ("auth", &[]),
    ("waiter", &[]),
    ("mm", &[]),
    ("vfs", &["auth", "waiter", "mm"]),
    ("kernel", &["auth", "waiter", "mm", "vfs", "loader"]),
    ("loader", &["auth", "waiter", "mm", "vfs", "kernel"]),
    ("fsimpl", &["auth", "waiter", "mm", "vfs", "kernel"]),
    ("socket", &["auth", "waiter", "mm", "vfs", "kernel", "fsimpl"]),
    ("syscalls", &["auth", "waiter", "mm", "vfs", "kernel", "loader", "fsimpl", "socket"]),
    ("boot", &["auth", "waiter", "mm", "vfs", "kernel", "loader", "fsimpl", "socket", "syscalls"]),
    ("hardening", &[]),
];

/// The `crate::` modules that the non-test code of `file` names.
fn imports(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = BTreeSet::new();
    for line in code.lines().map(|l| l.split("//").next().unwrap_or("")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            found.insert(name);
        }
    }
    found
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut broken = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let top = rel.components().next().expect("a component").as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned();
        if top == "lib" {
            continue;
        }
        let allowed = ALLOWED.iter().find(|(m, _)| *m == top).unwrap_or_else(|| panic!("module {top} is not in the layer table")).1;
        for import in imports(file) {
            if import != top && !allowed.contains(&import.as_str()) {
                broken.push(format!("{} imports crate::{import}", rel.display()));
            }
        }
    }
    assert!(broken.is_empty(), "imports against the layering:\n{}", broken.join("\n"));
}
