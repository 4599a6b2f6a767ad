//! End-to-end tests of the `faultline` program, as one integration binary.

mod adl;
mod analyses;
mod bands;
mod black_hole;
mod breakpoints;
mod cli;
mod flows;
mod html;
mod import;
mod live_snapshot;
mod loop_check;
mod position;
mod pyramid;
mod readme;
mod reports;
mod risk;
mod robustness;
mod snapshot;
mod stress;
