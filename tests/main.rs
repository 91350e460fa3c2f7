//! Integration tests, compiled into one binary. `common` gives each test a
//! fresh directory and runs the `hcsim` binary.

mod common;

mod cli;
mod compare;
mod epidemic;
mod observation;
mod rules;
mod scenario_errors;
mod scoring;
mod stress;
