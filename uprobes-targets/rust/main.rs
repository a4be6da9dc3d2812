// SPDX-License-Identifier: GPL-2.0
//! featurestore-rust: the featurestore demo target in Rust, std only, built without cargo:
//!
//!     rustc --edition 2021 --crate-name main -O -g -o featurestore-rust main.rs
//!
//! (rustc finds workload.rs through `mod workload`.)
//!
//! Probed: `main::FeatureCache::get` (lookup; `Some` on a hit, `None` on a miss) and
//! `main::FeatureCache::compute` (miss; called only from `get`, once per miss). Flags, tally
//! file, symbol names, Zipf model, PRNG streams and signals follow uprobes-targets/featurestore.

mod workload;

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use workload::*;

#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    pub vwap: f64,
    pub volatility: f64,
    pub spread: f64,
    pub mid: f64,
    pub last: f64,
    pub ticks: u64,
    pub computed_at_ns: i64,
}

const NIL: usize = usize::MAX;

struct Entry {
    key: String,
    feat: Features,
    stored_ns: u64,
    prev: usize,
    next: usize,
}

/// An exact LRU: entries in a Vec linked by index, most recently used at `head`.
struct Lru {
    index: HashMap<String, usize>,
    entries: Vec<Entry>,
    head: usize,
    tail: usize,
    capacity: usize,
}

impl Lru {
    fn unlink(&mut self, i: usize) {
        let (prev, next) = (self.entries[i].prev, self.entries[i].next);
        if prev != NIL {
            self.entries[prev].next = next
        } else {
            self.head = next
        }
        if next != NIL {
            self.entries[next].prev = prev
        } else {
            self.tail = prev
        }
    }

    fn push(&mut self, i: usize) {
        self.entries[i].prev = NIL;
        self.entries[i].next = self.head;
        if self.head != NIL {
            self.entries[self.head].prev = i
        } else {
            self.tail = i
        }
        self.head = i;
    }
}

pub struct FeatureCache {
    lru: Mutex<Lru>,
    ttl_ns: u64, // 0: entries never expire
    start: Instant,
}

impl FeatureCache {
    pub fn new(capacity: usize, ttl_ns: u64) -> FeatureCache {
        FeatureCache {
            lru: Mutex::new(Lru {
                index: HashMap::with_capacity(capacity),
                entries: Vec::new(),
                head: NIL,
                tail: NIL,
                capacity,
            }),
            ttl_ns,
            start: Instant::now(),
        }
    }

    /// The probed lookup: `Some` on a hit. On a miss it calls `compute` exactly once, on
    /// the calling thread, caches the result and returns `None`.
    #[inline(never)]
    pub fn get(&self, symbol: &str) -> Option<Features> {
        if let Some(f) = self.fetch(symbol) {
            return Some(f);
        }
        let f = self.compute(symbol);
        self.store(symbol, f);
        None
    }

    /// The probed miss function: replays 256 synthetic ticks derived from the symbol and
    /// the epoch (whole seconds since the cache was made).
    #[inline(never)]
    fn compute(&self, symbol: &str) -> Features {
        let mut rng = symbol.bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        });
        rng ^= self
            .start
            .elapsed()
            .as_secs()
            .wrapping_mul(0xd1b54a32d192ed03);
        let base = 5.0 + (rng % 100000) as f64 / 100.0;
        let sigma = 0.0002 + 0.0008 * rnd_unit(&mut rng);
        let (mut price, mut bid, mut ask) = (base, base, base);
        let (mut sum_pv, mut sum_v, mut sum_spread, mut sum_r, mut sum_r2) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        const N: u64 = 256;
        for _ in 0..N {
            let prev = price;
            let volume = (1 + rnd(&mut rng) % 1000) as f64 * 100.0;
            let half = price * (0.00005 + 0.0002 * rnd_unit(&mut rng));
            price *= 1.0 + sigma * 1.7320508 * (2.0 * rnd_unit(&mut rng) - 1.0);
            let r = (price / prev).ln();
            let mid = price + half * (rnd_unit(&mut rng) - 0.5);
            bid = mid - half;
            ask = mid + half;
            sum_pv += price * volume;
            sum_v += volume;
            sum_spread += ask - bid;
            sum_r += r;
            sum_r2 += r * r;
        }
        let mean = sum_r / N as f64;
        Features {
            vwap: sum_pv / sum_v,
            volatility: (sum_r2 / N as f64 - mean * mean).max(0.0).sqrt(),
            spread: sum_spread / N as f64,
            mid: (bid + ask) / 2.0,
            last: price,
            ticks: N,
            computed_at_ns: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as i64),
        }
    }

    fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn fetch(&self, symbol: &str) -> Option<Features> {
        let mut lru = self.lru.lock().unwrap();
        let i = *lru.index.get(symbol)?;
        if self.ttl_ns != 0 && self.now_ns() - lru.entries[i].stored_ns >= self.ttl_ns {
            return None;
        }
        lru.unlink(i);
        lru.push(i);
        Some(lru.entries[i].feat)
    }

    fn store(&self, symbol: &str, feat: Features) {
        let now = self.now_ns();
        let mut guard = self.lru.lock().unwrap();
        let lru = &mut *guard;
        let i = match lru.index.get(symbol) {
            Some(&i) => {
                lru.unlink(i);
                i
            }
            None if lru.entries.len() < lru.capacity => {
                lru.entries.push(Entry {
                    key: symbol.to_string(),
                    feat,
                    stored_ns: now,
                    prev: NIL,
                    next: NIL,
                });
                lru.index.insert(symbol.to_string(), lru.entries.len() - 1);
                lru.entries.len() - 1
            }
            None => {
                let i = lru.tail;
                lru.unlink(i);
                let old = std::mem::replace(&mut lru.entries[i].key, symbol.to_string());
                lru.index.remove(&old);
                lru.index.insert(symbol.to_string(), i);
                i
            }
        };
        lru.push(i);
        lru.entries[i].feat = feat;
        lru.entries[i].stored_ns = now;
    }
}

/// splitmix64, and a uniform f64 in [0, 1): the featurestore PRNG.
pub fn rnd(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9e3779b97f4a7c15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

pub fn rnd_unit(s: &mut u64) -> f64 {
    (rnd(s) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn main() {
    let sigs = block_signals(); // before any thread exists
    let o = Arc::new(parse_options());
    let sh = Arc::new(universe(&o));
    let cache = Arc::new(FeatureCache::new(o.capacity as usize, o.ttl_ms * 1_000_000));
    let forever = Duration::from_secs(3600);

    if o.wait_start {
        println!("ready pid={}", std::process::id());
        let _ = std::io::stdout().flush();
        loop {
            match wait_signal(&sigs, forever) {
                SIGUSR1 => break,
                SIGUSR2 => tally_or_die(&sh, &o, false),
                SIGINT | SIGTERM => {
                    tally_or_die(&sh, &o, true);
                    std::process::exit(0)
                }
                _ => {}
            }
        }
    }

    let start = Instant::now();
    sh.running.store(o.threads as usize, Relaxed);
    let handles: Vec<_> = (0..o.threads)
        .map(|i| {
            let (sh, cache, o) = (sh.clone(), cache.clone(), o.clone());
            std::thread::spawn(move || worker(&sh, &cache, &o, o.seed.wrapping_add(i)))
        })
        .collect();
    let end = if o.duration > 0.0 {
        Some(start + Duration::from_secs_f64(o.duration))
    } else {
        None
    };
    let mut signalled = false;
    // Workers can't interrupt sigtimedwait without a signal of their own: poll every 10 ms.
    while sh.running.load(Relaxed) > 0 && end.map_or(true, |e| Instant::now() < e) {
        match wait_signal(&sigs, Duration::from_millis(10)) {
            SIGUSR2 => tally_or_die(&sh, &o, false),
            SIGINT | SIGTERM => {
                signalled = true;
                break;
            }
            _ => {}
        }
    }
    sh.stopping.store(true, Relaxed);
    handles.into_iter().for_each(|h| h.join().unwrap());
    eprintln!("elapsed_ns={}", start.elapsed().as_nanos());
    tally_or_die(&sh, &o, true);

    if o.hold && !signalled {
        println!("done");
        let _ = std::io::stdout().flush();
        loop {
            match wait_signal(&sigs, forever) {
                SIGUSR2 => tally_or_die(&sh, &o, false),
                SIGINT | SIGTERM => break,
                _ => {}
            }
        }
    }
}
