// SPDX-License-Identifier: GPL-2.0
//! The load generator around `FeatureCache`: signals, flags, the symbol universe, worker
//! threads and the tally file, all as in uprobes-targets/featurestore.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crate::{rnd, rnd_unit, FeatureCache};

// ---- signals: glibc's sigwait family, declared by hand (no libc crate) ----

#[repr(C)]
pub struct SigSet([u64; 16]); // glibc sigset_t: 1024 bits

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn sigemptyset(set: *mut SigSet) -> i32;
    fn sigaddset(set: *mut SigSet, sig: i32) -> i32;
    fn pthread_sigmask(how: i32, set: *const SigSet, old: *mut SigSet) -> i32;
    fn sigtimedwait(set: *const SigSet, info: *mut u8, timeout: *const Timespec) -> i32;
}

pub const SIGINT: i32 = 2;
pub const SIGUSR1: i32 = 10;
pub const SIGUSR2: i32 = 12;
pub const SIGTERM: i32 = 15;
const SIG_BLOCK: i32 = 0;

/// Blocks our signals in this thread (and so in every thread spawned later).
pub fn block_signals() -> SigSet {
    let mut set = SigSet([0; 16]);
    unsafe {
        sigemptyset(&mut set);
        for s in [SIGINT, SIGTERM, SIGUSR1, SIGUSR2] {
            sigaddset(&mut set, s);
        }
        pthread_sigmask(SIG_BLOCK, &set, std::ptr::null_mut());
    }
    set
}

/// A pending signal, or 0 after `timeout` (retried while interrupted).
pub fn wait_signal(set: &SigSet, timeout: Duration) -> i32 {
    let ts = Timespec {
        tv_sec: timeout.as_secs() as i64,
        tv_nsec: timeout.subsec_nanos() as i64,
    };
    let sig = unsafe { sigtimedwait(set, std::ptr::null_mut(), &ts) };
    if sig > 0 {
        sig
    } else {
        0
    }
}

// ---- workload ----

const TICKERS: [&str; 50] = [
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM", "V", "UNH", "XOM",
    "JNJ", "MA", "PG", "AVGO", "HD", "CVX", "MRK", "ABBV", "COST", "PEP", "KO", "ADBE", "WMT",
    "BAC", "CRM", "MCD", "CSCO", "TMO", "ACN", "NFLX", "AMD", "LIN", "ORCL", "ABT", "DIS", "WFC",
    "INTC", "CMCSA", "VZ", "TXN", "PFE", "QCOM", "NKE", "IBM", "GS", "MS", "CAT", "BA",
];

pub struct Opts {
    pub symbols: u64,
    pub zipf: f64,
    pub threads: u64,
    pub rate: f64,
    pub requests: u64,
    pub duration: f64,
    pub seed: u64,
    pub capacity: u64,
    pub ttl_ms: u64,
    pub tally: Option<String>,
    pub wait_start: bool,
    pub hold: bool,
}

pub struct Shared {
    names: Vec<String>,
    cdf: Vec<f64>,
    hits: Vec<AtomicU64>,
    misses: Vec<AtomicU64>,
    pub stopping: AtomicBool,
    pub running: AtomicUsize,
}

fn usage_error(msg: String) -> ! {
    eprintln!("featurestore-rust: {}", msg);
    std::process::exit(2);
}

fn parse_uint(name: &str, arg: &str, min: u64, max: u64) -> u64 {
    let kind = if min > 0 { "positive" } else { "non-negative" };
    if !arg.bytes().next().map_or(false, |b| b.is_ascii_digit())
        || !arg.bytes().all(|b| b.is_ascii_digit())
    {
        usage_error(format!(
            "--{}: expected a {} integer, got '{}'",
            name, kind, arg
        ));
    }
    match arg.parse::<u64>() {
        Ok(v) if v > max => usage_error(format!(
            "--{}: expected at most {}, got '{}'",
            name, max, arg
        )),
        Err(_) => usage_error(format!(
            "--{}: expected at most {}, got '{}'",
            name, max, arg
        )),
        Ok(v) if v < min => usage_error(format!(
            "--{}: expected a {} integer, got '{}'",
            name, kind, arg
        )),
        Ok(v) => v,
    }
}

fn parse_float(name: &str, arg: &str) -> f64 {
    let ok_start = arg
        .bytes()
        .next()
        .map_or(false, |b| b.is_ascii_digit() || b == b'.');
    match arg.parse::<f64>() {
        Ok(v) if ok_start && v.is_finite() && v >= 0.0 => v,
        _ => usage_error(format!(
            "--{}: expected a non-negative number, got '{}'",
            name, arg
        )),
    }
}

const USAGE: &str = "usage: featurestore-rust [OPTION]...
The featurestore target in Rust: FeatureCache::get looks up, FeatureCache::compute misses.

  --symbols N  --zipf S  --threads T  --rate R  --requests N  --duration SECS
  --seed N  --capacity N  --ttl-ms MS  --tally PATH  --wait-start  --hold
      as in featurestore (defaults 1500, 1.1, 2, 0, 0, 0, 1, 1024, 0, stdout)
";

pub fn parse_options() -> Opts {
    let mut o = Opts {
        symbols: 1500,
        zipf: 1.1,
        threads: 2,
        rate: 0.0,
        requests: 0,
        duration: 0.0,
        seed: 1,
        capacity: 1024,
        ttl_ms: 0,
        tally: None,
        wait_start: false,
        hold: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "-h" || arg == "--help" {
            print!("{}", USAGE);
            std::process::exit(0);
        }
        if !arg.starts_with("--") || arg == "--" {
            usage_error(format!("unexpected argument '{}' (try --help)", arg));
        }
        let (name, inline) = match arg[2..].split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (&arg[2..], None),
        };
        const VALUED: [&str; 10] = [
            "symbols", "zipf", "threads", "rate", "requests", "duration", "seed", "capacity",
            "ttl-ms", "tally",
        ];
        let takes = VALUED.contains(&name);
        if !takes && !matches!(name, "wait-start" | "hold") {
            usage_error(format!("unrecognized option '{}' (try --help)", arg));
        }
        let val = match (takes, inline) {
            (true, Some(v)) => v,
            (true, None) => {
                i += 1;
                match args.get(i) {
                    Some(v) => v.clone(),
                    None => usage_error(format!("option '{}' requires an argument", arg)),
                }
            }
            (false, Some(_)) => {
                usage_error(format!("option '--{}' doesn't allow an argument", name))
            }
            (false, None) => String::new(),
        };
        match name {
            "symbols" => o.symbols = parse_uint(name, &val, 1, 10_000_000),
            "zipf" => o.zipf = parse_float(name, &val),
            "threads" => o.threads = parse_uint(name, &val, 1, 1024),
            "rate" => o.rate = parse_float(name, &val),
            "requests" => o.requests = parse_uint(name, &val, 0, u64::MAX),
            "duration" => o.duration = parse_float(name, &val),
            "seed" => o.seed = parse_uint(name, &val, 0, u64::MAX),
            "capacity" => o.capacity = parse_uint(name, &val, 1, 1 << 26),
            "ttl-ms" => o.ttl_ms = parse_uint(name, &val, 0, 1000 * 86400 * 365),
            "tally" if val.is_empty() => {
                usage_error("--tally: expected a path, got ''".to_string())
            }
            "tally" => o.tally = Some(val),
            "wait-start" => o.wait_start = true,
            "hold" => o.hold = true,
            _ => usage_error(format!("unrecognized option '{}' (try --help)", arg)),
        }
        i += 1;
    }
    o
}

pub fn universe(o: &Opts) -> Shared {
    let n = o.symbols as usize;
    let names: Vec<String> = (0..n)
        .map(|i| {
            if i < TICKERS.len() {
                TICKERS[i].to_string()
            } else {
                format!("SYM{:05}", i + 1)
            }
        })
        .collect();
    let mut cdf = Vec::with_capacity(n);
    let mut sum = 0.0;
    for i in 0..n {
        sum += ((i + 1) as f64).powf(-o.zipf);
        cdf.push(sum);
    }
    cdf.iter_mut().for_each(|c| *c /= sum);
    cdf[n - 1] = 1.0;
    Shared {
        names,
        cdf,
        hits: (0..n).map(|_| AtomicU64::new(0)).collect(),
        misses: (0..n).map(|_| AtomicU64::new(0)).collect(),
        stopping: AtomicBool::new(false),
        running: AtomicUsize::new(0),
    }
}

fn pick(sh: &Shared, zipf: f64, rng: &mut u64) -> usize {
    let u = rnd_unit(rng);
    if zipf == 0.0 {
        return (u * sh.names.len() as f64) as usize;
    }
    sh.cdf.partition_point(|&c| c <= u) // smallest i with cdf[i] > u
}

pub fn worker(sh: &Shared, cache: &FeatureCache, o: &Opts, mut rng: u64) {
    let period = if o.rate > 0.0 {
        Duration::from_nanos(((1e9 / o.rate) as u64).max(1))
    } else {
        Duration::ZERO
    };
    let mut deadline = Instant::now();
    rnd(&mut rng); // decorrelate neighbouring seeds
    let mut done = 0u64;
    while o.requests == 0 || done < o.requests {
        if sh.stopping.load(Relaxed) {
            break;
        }
        if !period.is_zero() {
            deadline += period;
            if Instant::now().saturating_duration_since(deadline) > Duration::from_secs(1) {
                deadline = Instant::now();
            }
            while !sh.stopping.load(Relaxed) {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                std::thread::sleep(left.min(Duration::from_millis(100)));
            }
        }
        let idx = pick(sh, o.zipf, &mut rng);
        let symbol = sh.names[idx].clone(); // a request-scoped copy
        let counter = if cache.get(&symbol).is_some() {
            &sh.hits[idx]
        } else {
            &sh.misses[idx]
        };
        counter.fetch_add(1, Relaxed);
        done += 1;
    }
    sh.running.fetch_sub(1, Relaxed);
}

/// Writes PATH.tmp, then renames it over PATH; stdout without --tally.
pub fn write_tally(sh: &Shared, o: &Opts) -> std::io::Result<()> {
    let mut order: Vec<usize> = (0..sh.names.len()).collect();
    order.sort_by(|&a, &b| sh.names[a].as_bytes().cmp(sh.names[b].as_bytes()));
    let (mut out, mut th, mut tm) = (String::new(), 0u64, 0u64);
    for idx in order {
        let (h, m) = (sh.hits[idx].load(Relaxed), sh.misses[idx].load(Relaxed));
        if h + m > 0 {
            out += &format!("{} {} {} {}\n", sh.names[idx], h + m, h, m);
            th += h;
            tm += m;
        }
    }
    out += &format!("TOTAL {} {} {}\n", th + tm, th, tm);
    match &o.tally {
        None => {
            let mut so = std::io::stdout();
            so.write_all(out.as_bytes())?;
            so.flush()
        }
        // /dev/null, a FIFO...: write in place; renaming over it would replace the device.
        Some(path) if std::fs::metadata(path).map_or(false, |m| !m.is_file()) => {
            std::fs::write(path, out)
        }
        Some(path) => {
            let tmp = format!("{}.tmp", path);
            let r = std::fs::write(&tmp, out).and_then(|_| std::fs::rename(&tmp, path));
            if r.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            r
        }
    }
}

pub fn tally_or_die(sh: &Shared, o: &Opts, fatal: bool) {
    if let Err(e) = write_tally(sh, o) {
        eprintln!("featurestore-rust: writing tally: {}", e);
        if fatal {
            std::process::exit(1)
        }
    }
}
