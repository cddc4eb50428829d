//! `tld`: the TDF linker. All the work is in the `tdf_link` library.

fn main() {
    let mut rep = tdf_errors::Reporter::new("tld");
    let status = tdf_link::run(
        std::env::args_os().skip(1).collect(),
        &mut std::io::stdout().lock(),
        &mut rep,
    );
    std::process::exit(status);
}
