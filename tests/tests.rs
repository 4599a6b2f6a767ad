//! End-to-end tests of the `faultline` program, as one integration binary.

mod analyses;
mod bands;
mod breakpoints;
mod cli;
mod import;
mod loop_check;
mod position;
mod reports;
mod snapshot;
mod stress;
