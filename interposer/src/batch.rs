//! Host operations gathered for one round trip to the stub
//! ([`wire::op::BATCH`]), with the bytes their [`wire::op::POKE`]s write.

use abi::wire::{self, HostOp, SLOT_BUF_SIZE};

/// A list of host operations run in order in one round trip, stopping
/// after the first that fails (see [`crate::Context::run_batch`]).
#[derive(Default)]
pub struct Batch {
    ops: Vec<HostOp>,
    /// What the pokes write, laid out after the records in the slot buffer;
    /// a poke's `args[2]` counts from the start of this until it is sent.
    data: Vec<u8>,
}

impl Batch {
    /// Adds host system call or [`wire::op`] `nr`; returns its index.
    pub fn push(&mut self, nr: u64, args: [u64; 6]) -> usize {
        self.ops.push(HostOp { nr, args, ret: 0 });
        self.ops.len() - 1
    }

    /// Adds a write of `bytes` to app address `addr`, whose pages end with
    /// protection `prot` ([`wire::op::POKE`]); returns its index.
    pub fn poke(&mut self, addr: u64, bytes: &[u8], prot: u64) -> usize {
        let off = self.data.len() as u64;
        self.data.extend_from_slice(bytes);
        self.push(wire::op::POKE, [addr, bytes.len() as u64, off, prot, 0, 0])
    }

    /// How many operations it holds.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Whether it fits one slot buffer.
    pub fn fits(&self) -> bool {
        self.has_room(0, 0)
    }

    /// Whether `ops` more operations writing `bytes` more bytes would
    /// still fit one slot buffer.
    pub fn has_room(&self, ops: usize, bytes: usize) -> bool {
        let n = self.ops.len() + ops;
        n <= wire::MAX_BATCH && n * size_of::<HostOp>() + self.data.len() + bytes <= SLOT_BUF_SIZE
    }

    /// The raw result of operation `i` once run (0 for one that did not run).
    pub fn ret(&self, i: usize) -> i64 {
        self.ops.get(i).map_or(0, |op| op.ret)
    }

    /// The slot buffer's contents: the records, pokes' offsets now counted
    /// from the buffer's start, then their bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let records = (self.ops.len() * size_of::<HostOp>()) as u64;
        let mut out = Vec::with_capacity(records as usize + self.data.len());
        for op in &self.ops {
            let mut args = op.args;
            if op.nr == wire::op::POKE {
                args[2] += records;
            }
            for word in std::iter::once(op.nr).chain(args).chain([op.ret as u64]) {
                out.extend_from_slice(&word.to_ne_bytes());
            }
        }
        out.extend_from_slice(&self.data);
        out
    }

    /// Takes the results of the first `ran` operations from the slot
    /// buffer's records.
    pub(crate) fn decode(&mut self, records: &[u8], ran: usize) {
        let size = size_of::<HostOp>();
        for (op, rec) in self.ops.iter_mut().zip(records.chunks_exact(size)).take(ran) {
            op.ret = i64::from_ne_bytes(rec[size - 8..].try_into().expect("8 bytes"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pokes_point_past_the_records_at_their_bytes() {
        let mut b = Batch::default();
        b.push(9, [1, 2, 3, 4, 5, 6]);
        let p = b.poke(0x1000, b"abc", 5);
        b.poke(0x2000, b"de", 1);
        let bytes = b.encode();
        let records = 3 * size_of::<HostOp>();
        assert_eq!(bytes.len(), records + 5);
        assert_eq!(&bytes[records..], b"abcde");
        let word = |rec: usize, w: usize| u64::from_ne_bytes(bytes[rec * 64 + w * 8..][..8].try_into().unwrap());
        assert_eq!(word(p, 0), wire::op::POKE);
        assert_eq!(word(p, 3), records as u64);
        assert_eq!(word(2, 3), records as u64 + 3);
        assert!(b.fits());
    }

    #[test]
    fn results_come_back_for_the_operations_that_ran() {
        let mut b = Batch::default();
        b.push(1, [0; 6]);
        b.push(2, [0; 6]);
        let mut bytes = b.encode();
        bytes[56..64].copy_from_slice(&7i64.to_ne_bytes());
        bytes[120..128].copy_from_slice(&(-22i64).to_ne_bytes());
        b.decode(&bytes, 1);
        assert_eq!((b.ret(0), b.ret(1)), (7, 0));
    }

    #[test]
    fn too_much_data_does_not_fit() {
        let mut b = Batch::default();
        b.poke(0, &vec![0; SLOT_BUF_SIZE], 0);
        assert!(!b.fits());
    }
}
