//! The delivery crate's tests, in one binary: templates (snapshots), the
//! worker on both databases, and e-mail through a real SMTP server.

// Tests fail by panicking.
#![allow(clippy::expect_used, clippy::print_stdout, clippy::unwrap_used)]

mod render;
mod sms;
mod smtp;
mod stopping;
mod webhook;
mod worker;
