//! The least time reading a set of files can take here: open, one read, close, spread over
//! every core, with nothing else done. `scripts/bench-detect.py` runs it on the source files
//! `bim detect` must search, so the detect figure can be set against the machine's floor.
//!
//! Usage: cargo bench --bench read_floor -- ROOT LIST RUNS  (LIST: one path under ROOT a line)

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [root, list, runs] = args.as_slice() else {
        eprintln!("usage: read_floor ROOT LIST RUNS");
        std::process::exit(2);
    };
    let root = PathBuf::from(root);
    let paths: Vec<PathBuf> =
        std::fs::read_to_string(list).expect("read the list").lines().map(|line| root.join(line)).collect();
    let runs: usize = runs.parse().expect("RUNS is a number");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut times: Vec<f64> = (0..runs + 1)
        .map(|_| {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for first in 0..threads {
                    let paths = &paths;
                    scope.spawn(move || {
                        let mut buffer = vec![0u8; 64 * 1024];
                        for path in paths.iter().skip(first).step_by(threads) {
                            let mut file = std::fs::File::open(path).expect("open");
                            let _ = file.read(&mut buffer).expect("read");
                        }
                    });
                }
            });
            start.elapsed().as_secs_f64() * 1000.0
        })
        .skip(1) // the first run warms the page cache
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "read floor: {} files on {threads} threads: median {:.1} ms, min {:.1} over {runs} runs",
        paths.len(),
        times[times.len() / 2],
        times[0]
    );
}
