//! End-to-end tests of the `faultline` program, as one integration binary.

mod cli;
mod snapshot;
mod stress;
