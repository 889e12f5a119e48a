//! What the kernel keeps for the socket families, which live above it
//! (`crate::socket`): each family's per-kernel state (Unix sockets' abstract
//! namespace and socket table, say), typed by the family and held here
//! untyped, and the files each family shows in `/proc/net`, which procfs
//! reads through [`Net::proc_file`].
//!
//! Both tables are leaves in the lock order: nothing else is locked while
//! they are held, and a `/proc/net` file is made with neither held.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// Makes the contents of a `/proc/net` file when it is read.
pub type ProcNetFile = Arc<dyn Fn() -> Vec<u8> + Send + Sync>;

/// The kernel's network state: see the module documentation.
#[derive(Default)]
pub struct Net {
    /// Each family's state, by its type.
    families: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// The files of `/proc/net`, by name, in the order registered.
    proc_files: Mutex<Vec<(&'static str, ProcNetFile)>>,
}

impl Net {
    /// The kernel's one `T`, made with `T::default()` when first asked for.
    pub fn state<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut families = self.families.lock();
        let any = families.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default())).clone();
        drop(families);
        // The entry for `T`'s type id is always a `T`.
        any.downcast::<T>().unwrap_or_else(|_| unreachable!("the state of a type is of that type"))
    }

    /// Shows `/proc/net/NAME`, made by `contents` at each read (a second
    /// registration of a name replaces the first).
    pub fn register_proc_file(&self, name: &'static str, contents: ProcNetFile) {
        let mut files = self.proc_files.lock();
        match files.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = contents,
            None => files.push((name, contents)),
        }
    }

    /// The names in `/proc/net`, in the order registered.
    pub fn proc_file_names(&self) -> Vec<&'static str> {
        self.proc_files.lock().iter().map(|(n, _)| *n).collect()
    }

    /// The contents of `/proc/net/NAME` now, if there is such a file.
    pub fn proc_file(&self, name: &[u8]) -> Option<Vec<u8>> {
        let make = self.proc_files.lock().iter().find(|(n, _)| n.as_bytes() == name).map(|(_, f)| f.clone())?;
        Some(make())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Default)]
    struct Counter(AtomicUsize);

    #[test]
    fn one_state_per_type_and_files_by_name() {
        let net = Net::default();
        net.state::<Counter>().0.fetch_add(1, Ordering::Relaxed);
        assert_eq!(net.state::<Counter>().0.load(Ordering::Relaxed), 1);
        assert!(net.proc_file(b"unix").is_none());
        net.register_proc_file("unix", Arc::new(|| b"a\n".to_vec()));
        net.register_proc_file("tcp", Arc::new(|| b"t\n".to_vec()));
        net.register_proc_file("unix", Arc::new(|| b"b\n".to_vec()));
        assert_eq!(net.proc_file_names(), ["unix", "tcp"]);
        assert_eq!(net.proc_file(b"unix").unwrap(), b"b\n");
    }
}
