//! The crate graph against DESIGN.md.
//!
//! DESIGN.md's section "Crates and who may use whom" has a table with one row per
//! workspace member: the crate, the workspace crates it depends on, and those it
//! dev-depends on. This test reads the real graph with `cargo metadata` and fails when
//! the two differ in either direction (a dependency the table does not allow, or a row
//! that no longer matches), so the picture cannot go stale. The table itself must keep
//! the layering the design promises; that part is written here, not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tdf_tests::workspace_root;

/// Per crate: the workspace crates it depends on (normal and build dependencies), and
/// those it dev-depends on.
#[derive(Debug, Default, PartialEq, Eq)]
struct Edges {
    normal: BTreeSet<String>,
    dev: BTreeSet<String>,
}

type Graph = BTreeMap<String, Edges>;

/// The tool crates: none may use another for shared code. `tdf-link` uses `tdf-lib` and
/// `tdf-show` only to run TenDRA's `-mc`/`-mt`/`-mx` modes through their entry points.
const TOOLS: &[&str] = &["tdf-lib", "tdf-show", "tdf-link"];
/// What a tool crate may use besides the shared crates.
const TOOL_USES_TOOL: &[(&str, &str)] = &[("tdf-link", "tdf-lib"), ("tdf-link", "tdf-show")];
/// The crates below the tools, in order: each may use only those after it.
const SHARED: &[&str] = &["tdf-core", "tdf-errors"];
/// The test package, which may use everything and which the tools use in their tests.
const TESTS: &str = "tdf-tests";

/// The workspace's dependency graph between its own members, from `cargo metadata`.
fn metadata_graph(root: &Path) -> (Graph, Value) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata gives JSON");
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages: Vec<&Value> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .collect();
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut graph = Graph::new();
    for p in &packages {
        let edges = graph
            .entry(p["name"].as_str().unwrap().to_owned())
            .or_default();
        for d in p["dependencies"].as_array().expect("dependencies") {
            let dep = d["name"].as_str().expect("dependency name");
            if !names.contains(dep) {
                continue;
            }
            match d["kind"].as_str() {
                Some("dev") => edges.dev.insert(dep.to_owned()),
                _ => edges.normal.insert(dep.to_owned()),
            };
        }
    }
    (graph, meta)
}

/// The crate names in one table cell: every `` `name` ``.
fn names_in(cell: &str) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The crate table of DESIGN.md's section "Crates and who may use whom".
fn design_graph(design: &str) -> Graph {
    let section = design
        .split("\n## ")
        .find(|s| s.starts_with("Crates and who may use whom"))
        .expect("DESIGN.md has a section \"Crates and who may use whom\"");
    let mut graph = Graph::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert!(cells.len() >= 5, "a crate row has three columns: {line}");
        let krate = names_in(cells[1]);
        assert_eq!(krate.len(), 1, "one crate per row: {line}");
        let krate = krate.into_iter().next().unwrap();
        let edges = Edges {
            normal: names_in(cells[2]),
            dev: names_in(cells[3]),
        };
        assert!(
            graph.insert(krate.clone(), edges).is_none(),
            "{krate} has two rows in DESIGN.md"
        );
    }
    graph
}

/// Every difference between the real graph and the one DESIGN.md draws.
fn differences(real: &Graph, design: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for krate in real.keys().filter(|k| !design.contains_key(*k)) {
        out.push(format!(
            "{krate} is a workspace member without a row in DESIGN.md"
        ));
    }
    for krate in design.keys().filter(|k| !real.contains_key(*k)) {
        out.push(format!(
            "DESIGN.md has a row for {krate}, which is no workspace member"
        ));
    }
    let empty = Edges::default();
    for (krate, edges) in real {
        let allowed = design.get(krate).unwrap_or(&empty);
        for (kind, have, may) in [
            ("depends", &edges.normal, &allowed.normal),
            ("dev-depends", &edges.dev, &allowed.dev),
        ] {
            for dep in have.difference(may) {
                out.push(format!(
                    "{krate} {kind} on {dep}, which DESIGN.md's crate table does not allow"
                ));
            }
            if design.contains_key(krate) {
                for dep in may.difference(have) {
                    out.push(format!(
                        "DESIGN.md says {krate} {kind} on {dep}, but it does not (update the table)"
                    ));
                }
            }
        }
    }
    out
}

/// The layering the design promises, checked on a graph: the shared crates know no
/// tool, tools know no sibling tool (but for `tld`'s modes), nothing but the tests and
/// the tools' own tests uses the test package.
fn layering_violations(graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (krate, edges) in graph {
        for dep in &edges.normal {
            let ok = if let Some(i) = SHARED.iter().position(|s| s == krate) {
                SHARED[i + 1..].contains(&dep.as_str())
            } else if TOOLS.contains(&krate.as_str()) {
                SHARED.contains(&dep.as_str())
                    || TOOL_USES_TOOL.contains(&(krate.as_str(), dep.as_str()))
            } else {
                krate == TESTS
            };
            if !ok {
                out.push(format!("{krate} may not depend on {dep}"));
            }
        }
        for dep in &edges.dev {
            let ok = dep == TESTS && TOOLS.contains(&krate.as_str());
            if !ok {
                out.push(format!("{krate} may not dev-depend on {dep}"));
            }
        }
    }
    out
}

#[test]
fn crate_graph_is_the_one_design_draws() {
    let root = workspace_root();
    let design = std::fs::read_to_string(root.join("DESIGN.md")).expect("read DESIGN.md");
    let (real, _) = metadata_graph(&root);
    let drawn = design_graph(&design);
    assert!(real.contains_key("tdf-core") && real.contains_key("tdf-link"));
    let diffs = differences(&real, &drawn);
    assert!(diffs.is_empty(), "crate graph:\n  {}", diffs.join("\n  "));
}

#[test]
fn design_keeps_the_layering() {
    let design = std::fs::read_to_string(workspace_root().join("DESIGN.md")).unwrap();
    let drawn = design_graph(&design);
    assert!(drawn.contains_key("tdf-core"), "the crate table has rows");
    let bad = layering_violations(&drawn);
    assert!(
        bad.is_empty(),
        "DESIGN.md's crate table:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn the_checks_catch_a_sibling_dependency() {
    let table = "\n## Crates and who may use whom\n\n\
        | crate | depends on | dev-depends on |\n|---|---|---|\n\
        | `tdf-errors` | | |\n\
        | `tdf-core` | `tdf-errors` | |\n\
        | `tdf-show` | `tdf-core`, `tdf-errors` | `tdf-tests` |\n";
    let drawn = design_graph(table);
    assert_eq!(drawn.len(), 3);
    assert!(layering_violations(&drawn).is_empty());
    let mut real = design_graph(table);
    real.get_mut("tdf-show")
        .unwrap()
        .normal
        .insert("tdf-lib".into());
    real.get_mut("tdf-core")
        .unwrap()
        .normal
        .remove("tdf-errors");
    let diffs = differences(&real, &drawn);
    assert_eq!(diffs.len(), 2, "{diffs:?}");
    assert!(diffs[0].contains("DESIGN.md says tdf-core depends on tdf-errors"));
    assert!(diffs[1].contains("tdf-show depends on tdf-lib, which DESIGN.md"));
    assert_eq!(
        layering_violations(&real),
        ["tdf-show may not depend on tdf-lib"]
    );
    real.get_mut("tdf-core")
        .unwrap()
        .normal
        .insert("tdf-link".into());
    assert!(layering_violations(&real).contains(&"tdf-core may not depend on tdf-link".into()));
}
/// Every member shares the workspace version (the `--version` texts rely on it), and
/// every publishable member has a description and a README, so `cargo package` works.
#[test]
fn members_are_packaged_alike() {
    let root = workspace_root();
    let (_, meta) = metadata_graph(&root);
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut versions = BTreeSet::new();
    for p in meta["packages"].as_array().unwrap() {
        if !p["id"].as_str().is_some_and(|id| members.contains(id)) {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        versions.insert(p["version"].as_str().unwrap().to_owned());
        let publishable = !p["publish"].as_array().is_some_and(Vec::is_empty);
        if !publishable {
            continue;
        }
        assert!(
            p["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name} has no description"
        );
        let dir = Path::new(p["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap();
        assert!(dir.join("README.md").is_file(), "{name} has no README.md");
    }
    assert_eq!(versions.len(), 1, "members differ in version: {versions:?}");
}
