//! Reading many small pieces of app memory (`execve`'s argument and
//! environment strings and their pointer arrays) a page at a time: each
//! page is copied from the app once and kept for the reader's life, so a
//! few dozen strings that share a page cost one cross-process copy, not one
//! each.

use std::collections::HashMap;

use abi::errno::EFAULT;
use abi::{page_down, Errno, PAGE_SIZE};
use interposer::AddressSpace;

use super::MemoryManager;

/// App pages read so far.
#[derive(Default)]
pub struct PageReader {
    /// Page address -> its readable bytes (fewer than a page when the
    /// read stopped at unmapped memory).
    pages: HashMap<u64, Vec<u8>>,
}

impl PageReader {
    /// The readable bytes of app memory from `addr` to the end of its page
    /// (empty when none is readable).
    fn rest_of_page(&mut self, mm: &MemoryManager, space: &AddressSpace, addr: u64) -> Result<&[u8], Errno> {
        let page = page_down(addr);
        if !mm.is_user_range(page, PAGE_SIZE) {
            return Err(EFAULT);
        }
        let bytes = self.pages.entry(page).or_insert_with(|| {
            let mut buf = vec![0u8; PAGE_SIZE as usize];
            let n = space.read_partial(page, &mut buf);
            buf.truncate(n);
            buf
        });
        Ok(bytes.get((addr - page) as usize..).unwrap_or(&[]))
    }

    /// Copies `buf.len()` bytes at `addr`: `EFAULT` unless all are readable.
    pub fn read(&mut self, mm: &MemoryManager, space: &AddressSpace, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let mut done = 0;
        while done < buf.len() {
            let at = addr.checked_add(done as u64).ok_or(EFAULT)?;
            let have = self.rest_of_page(mm, space, at)?;
            if have.is_empty() {
                return Err(EFAULT);
            }
            let n = have.len().min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&have[..n]);
            done += n;
        }
        Ok(())
    }

    /// The NUL-terminated string at `addr`, without its NUL: `EFAULT` if it
    /// runs into unreadable memory, `None` if it does not end within `max`
    /// bytes (its NUL counted).
    pub fn cstring(&mut self, mm: &MemoryManager, space: &AddressSpace, addr: u64, max: usize) -> Result<Option<Vec<u8>>, Errno> {
        let mut out = Vec::new();
        loop {
            let at = addr.checked_add(out.len() as u64).ok_or(EFAULT)?;
            let have = self.rest_of_page(mm, space, at)?;
            if have.is_empty() {
                return Err(EFAULT);
            }
            let nul = have.iter().position(|&b| b == 0);
            let piece = &have[..nul.unwrap_or(have.len())];
            if out.len() + piece.len() >= max {
                return Ok(None);
            }
            out.extend_from_slice(piece);
            if nul.is_some() {
                return Ok(Some(out));
            }
            // A page read short ends in unreadable memory.
            if have.len() < (PAGE_SIZE - at % PAGE_SIZE) as usize {
                return Err(EFAULT);
            }
        }
    }
}
