//! Rust std threads, a channel, a mutex and scoped threads: the same
//! output natively and in the sandbox (issue 4).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    let (tx, rx) = mpsc::channel();
    let total = Arc::new(Mutex::new(0u64));
    let workers: Vec<_> = (0..16)
        .map(|id| {
            let tx = tx.clone();
            let total = total.clone();
            thread::spawn(move || {
                for i in 0..1000u64 {
                    *total.lock().unwrap() += i;
                    tx.send((id, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let received: u64 = rx.iter().map(|(_, i)| i).sum();
    for w in workers {
        w.join().unwrap();
    }
    let scoped: u64 = thread::scope(|s| {
        let hs: Vec<_> = (0..8u64).map(|k| s.spawn(move || (0..100u64).map(|x| x * k).sum::<u64>())).collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!("received {received} total {} scoped {scoped}", *total.lock().unwrap());
}
