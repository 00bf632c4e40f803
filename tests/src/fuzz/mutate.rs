//! A small seeded mutator, so `cargo test` runs the harnesses over inputs near the
//! seed corpus without a fuzzer: deterministic for a seed, with a case count and a time
//! budget.

use std::time::{Duration, Instant};

/// Pieces of markup and text the parsers treat specially, inserted by the mutator.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<?",
    b"?>",
    b"<!DOCTYPE",
    b"&amp;",
    b"&#0;",
    b"\"",
    b"'",
    b"=",
    b"\xEF\xBB\xBF",
    b"\r\n",
    b"<EOF>",
    b"@",
    b"|",
    b"T",
    b"Z",
    b"+01:00",
    b"-",
    b".",
    b"9999",
    b"\xFF",
    b"\xC3\xA9",
];

/// An xorshift generator with mutation operators (a byte changed, a token inserted,
/// a range deleted or repeated, a piece of another seed spliced in).
#[derive(Debug, Clone)]
pub struct Mutator {
    state: u64,
}

impl Mutator {
    /// A generator for `seed` (the same seed gives the same inputs).
    pub fn new(seed: u64) -> Self {
        Mutator {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `input` changed by one to four operators; `other` is another seed to splice from.
    pub fn mutate(&mut self, input: &[u8], other: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(6) {
                0 if at < out.len() => out[at] = self.next() as u8,
                1 => {
                    let token = TOKENS[self.below(TOKENS.len())];
                    out.splice(at..at, token.iter().copied());
                }
                2 if at < out.len() => {
                    let end = at + 1 + self.below((out.len() - at).min(64));
                    out.drain(at..end);
                }
                3 if at < out.len() => {
                    let end = at + 1 + self.below((out.len() - at).min(64));
                    let piece = out[at..end].to_vec();
                    out.splice(at..at, piece);
                }
                4 if !other.is_empty() => {
                    let from = self.below(other.len());
                    let end = from + 1 + self.below((other.len() - from).min(256));
                    out.splice(at..at, other[from..end].iter().copied());
                }
                _ => out.truncate(at),
            }
        }
        out
    }
}

/// Runs `harness` on each seed as it is, then on mutations of the seeds: always
/// `min_cases` of them, then more until `cases` have run or `budget` has passed,
/// whichever comes first (so a slow machine still runs the minimum). Returns the
/// number of mutations run. A failing input is printed (escaped) before the panic
/// goes on.
pub fn run_mutations(
    harness: fn(&[u8]),
    seeds: &[Vec<u8>],
    seed: u64,
    min_cases: usize,
    cases: usize,
    budget: Duration,
) -> usize {
    let run = |input: &[u8]| {
        let outcome = std::panic::catch_unwind(|| harness(input));
        if let Err(panic) = outcome {
            eprintln!("failing input: \"{}\"", input.escape_ascii());
            std::panic::resume_unwind(panic);
        }
    };
    for input in seeds {
        run(input);
    }
    if seeds.is_empty() {
        return 0;
    }
    let start = Instant::now();
    let mut mutator = Mutator::new(seed);
    let mut done = 0;
    while done < min_cases || (done < cases && start.elapsed() < budget) {
        let input = &seeds[mutator.below(seeds.len())];
        let other = &seeds[mutator.below(seeds.len())];
        let mutated = mutator.mutate(input, other);
        run(&mutated);
        done += 1;
    }
    done
}
