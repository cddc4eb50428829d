//! Architecture tests: the shape of the workspace stays the one DESIGN.md draws.
//!
//! * `deps.rs`: the crate graph (`cargo metadata`) is exactly the table of DESIGN.md's
//!   "Crates and who may use whom", and that table keeps the layering (no tool crate
//!   uses a sibling tool crate for shared code).
//! * `imports.rs`: no file of a library crate imports a module that imports it,
//!   directly or through others (a crate root that re-exports its modules' items is
//!   imported by no module: they import each other by their own paths).

mod deps;
mod imports;
