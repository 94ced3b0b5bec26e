//! The native half of the npm package `groundset`: a thin napi layer over `canonhash`, `groundset-records` and `groundset-schema`.
//!
//! Each module mirrors the core module of the same name: it converts arguments, calls the core
//! and maps a [`canonhash::HashError`] to a JS error (see [`error`]). Nothing here is public
//! API of the package: the TypeScript layer checks JS values, writes them on a tape (see
//! [`value`]) and calls these functions.

// napi-derive registers the exported functions only outside `cfg(test)`, so in a test build
// (`clippy --all-targets`) everything looks unused. The tests are the vitest suite (tests/).
#![cfg_attr(test, allow(dead_code))]

mod canon;
mod direct;
mod error;
mod hash;
mod lines;
mod read;
mod schema;
mod source_id;
mod value;
