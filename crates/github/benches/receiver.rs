//! Benchmarks of the GitHub receiver (being written).
fn main() {}
