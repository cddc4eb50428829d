//! Integration tests of the three binaries, one module per tool.

mod explain;
mod tld;
mod tlib;
mod tshow;
