//! Integration tests of the three binaries, one module per tool.

mod conventions;
mod coverage;
mod decode;
mod diagnostics;
mod examples;
mod explain;
mod json;
mod outputs;
mod safety;
mod startup;
mod tld;
mod tlib;
mod tshow;
