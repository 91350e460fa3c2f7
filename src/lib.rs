//! hcsim: evaluate health-code rule sets on a synthetic city before they are
//! deployed. This crate holds everything; `main.rs` is a thin shell over `cli`.
//!
//! The simulation core (`city`, `mobility`, `epidemic`, `transmission`,
//! `engine`, `run`) does no I/O and reads no clock or environment; files,
//! progress bars and timings live in `cli` and `output`.

pub mod appeals;
pub mod assign;
pub mod burst;
pub mod city;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod epidemic;
pub mod evidence;
pub mod mobility;
pub mod observe;
pub mod output;
pub mod report;
pub mod rng;
pub mod rules;
pub mod run;
pub mod scenario;
pub mod scoring;
pub mod stress;
pub mod transmission;
