//! `#!` interpreter lines, as Linux's `binfmt_script` reads them.

/// How many bytes of a script's first line Linux reads (`BINPRM_BUF_SIZE`).
pub const LINE_MAX: usize = 256;

/// The interpreter and its optional argument named by a `#!` line, or
/// `None` if `head` does not start with `#!` or names no interpreter.
pub fn interpreter(head: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let rest = head.strip_prefix(b"#!")?;
    let line = &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())];
    let line = trim(line);
    if line.is_empty() {
        return None;
    }
    let split = line.iter().position(|&b| b == b' ' || b == b'\t');
    Some(match split {
        None => (line.to_vec(), None),
        Some(i) => {
            let arg = trim(&line[i..]);
            (line[..i].to_vec(), (!arg.is_empty()).then(|| arg.to_vec()))
        }
    })
}

fn trim(s: &[u8]) -> &[u8] {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_binfmt_script() {
        assert_eq!(interpreter(b"#!/bin/sh\necho"), Some((b"/bin/sh".to_vec(), None)));
        assert_eq!(interpreter(b"#! /bin/sh -e  \n"), Some((b"/bin/sh".to_vec(), Some(b"-e".to_vec()))));
        // Everything after the first blank is one argument.
        assert_eq!(interpreter(b"#!/usr/bin/env a b\n"), Some((b"/usr/bin/env".to_vec(), Some(b"a b".to_vec()))));
        assert_eq!(interpreter(b"#!\n"), None);
        assert_eq!(interpreter(b"\x7fELF"), None);
    }
}
