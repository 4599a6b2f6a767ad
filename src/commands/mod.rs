//! One module per subcommand; each owns its arguments and how it reads and writes files.

pub(crate) mod adl;
pub(crate) mod backtest;
pub(crate) mod bands;
pub(crate) mod breakpoints;
pub(crate) mod calibrate;
pub(crate) mod graph;
pub(crate) mod import;
pub(crate) mod loop_check;
pub(crate) mod position;
pub(crate) mod pyramid;
pub(crate) mod recommend;
pub(crate) mod risk;
pub(crate) mod schema;
pub(crate) mod snapshot;
pub(crate) mod stress;
