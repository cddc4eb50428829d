//! Tests of `tshow`: library listings in every format, capsule inspection, extraction
//! (including refusing `..`, absolute and symlinked paths), and the error classes. Each
//! test works in its own scratch directory with relative paths.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use tdf_core::library::{Library, Member};
use tdf_tests::fixtures;

fn tshow(dir: &Path) -> Command {
    let mut c = Command::new(tdf_tests::bin("tshow"));
    c.current_dir(dir);
    c
}

fn main_j() -> Vec<u8> {
    fixtures::capsule()
        .define_tag("main")
        .use_tag("helper")
        .use_token("tk")
        .private_tags(2)
        .build()
}

fn util_j() -> Vec<u8> {
    fixtures::capsule()
        .define_tag("helper")
        .define_token("tk")
        .common_tag("c")
        .define_tag("[pkg.unique]")
        .define_tag("dotted.name")
        .build()
}

/// A scratch directory with `lib.tl` (members `caps/main.j`, `deep/dir/util.j`) and the
/// capsule `main.j`.
fn setup(name: &str) -> PathBuf {
    let d = tdf_tests::scratch(&format!("tshow-{name}"));
    let lib = fixtures::library(&[("caps/main.j", &main_j()), ("deep/dir/util.j", &util_j())]);
    fs::write(d.join("lib.tl"), lib).unwrap();
    fs::write(d.join("main.j"), main_j()).unwrap();
    d
}

/// A library with these member names, written without any checks of the names.
fn raw_library(names: &[&str]) -> Vec<u8> {
    let data = fixtures::capsule().define_tag("x").build();
    Library {
        major: 4,
        minor: 0,
        members: names
            .iter()
            .map(|n| Member {
                name: Cow::Owned(n.as_bytes().to_vec()),
                data: Cow::Owned(data.clone()),
                offset: 0,
            })
            .collect(),
        index: Vec::new(),
    }
    .to_bytes()
}

/// Files (and symbolic links) below `dir`, relative, sorted; links are not followed.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let t = e.file_type().unwrap();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if t.is_dir() {
                stack.push(p);
            } else if t.is_symlink() {
                out.push(format!("{rel} (link)"));
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn lists_libraries() {
    let d = setup("list");
    assert_cmd_snapshot!("tshow_list_plain", tshow(&d).arg("lib.tl"));
    assert_cmd_snapshot!("tshow_list_size", tshow(&d).args(["-s", "lib.tl"]));
    assert_cmd_snapshot!(
        "tshow_list_all",
        tshow(&d).args(["-i", "-s", "-t", "lib.tl"])
    );
    assert_cmd_snapshot!("tshow_list_index", tshow(&d).args(["--index", "lib.tl"]));
}

#[test]
fn lists_in_tendra_format() {
    let d = setup("tendra");
    assert_cmd_snapshot!(
        "tshow_list_tendra",
        tshow(&d).args(["--format", "tendra", "-ist", "lib.tl"])
    );
}

#[test]
fn lists_as_json() {
    let d = setup("json");
    assert_cmd_snapshot!(
        "tshow_list_json",
        tshow(&d).args(["--format", "json", "lib.tl"])
    );
}

#[test]
fn inspects_capsules() {
    let d = setup("inspect");
    assert_cmd_snapshot!("tshow_capsule", tshow(&d).arg("main.j"));
    assert_cmd_snapshot!(
        "tshow_capsule_json",
        tshow(&d).args(["--format", "json", "main.j"])
    );
    // A capsule without linker information: usage unknown, with a warning.
    let bytes = main_j();
    let mut c = tdf_core::Capsule::read(&bytes).unwrap();
    c.groups.retain(|g| &*g.name != b"tld");
    fs::write(d.join("nolink.j"), c.to_bytes()).unwrap();
    assert_cmd_snapshot!("tshow_capsule_no_linkinfo", tshow(&d).arg("nolink.j"));
}

/// Capsules that `tld` refuses but that can still be read: `tshow` describes them, with
/// the problem as a warning, and exits 0; `tld` still refuses them (exit 1).
#[test]
fn inspects_capsules_the_linker_refuses() {
    let d = setup("lenient");
    let base = main_j();
    let model = || tdf_core::Capsule::read(&base).unwrap();
    let v3 = fixtures::capsule()
        .version(3, 0)
        .define_tag("main")
        .use_tag("helper")
        .build();
    fs::write(d.join("util_v3.j"), v3).unwrap();
    let mut c = model();
    let set = c.groups.iter().position(|g| &*g.name == b"tagdec").unwrap();
    c.groups[set].name = Cow::Borrowed(b"mystery");
    fs::write(d.join("unknown_set.j"), c.to_bytes()).unwrap();
    let mut c = model();
    c.groups[0].units[0].body = Cow::Owned(vec![0xA0]); // linker information format 2
    fs::write(d.join("bad_linkinfo.j"), c.to_bytes()).unwrap();
    let mut bytes = main_j();
    bytes.extend_from_slice(b"tail");
    fs::write(d.join("trailing.j"), bytes).unwrap();
    for (file, code) in [
        ("util_v3.j", "E0502"),
        ("unknown_set.j", "E0506"),
        ("bad_linkinfo.j", "E0521"),
        ("trailing.j", "E0405"),
    ] {
        let name = format!("tshow_refused_{}", file.trim_end_matches(".j"));
        assert_cmd_snapshot!(name, tshow(&d).arg(file));
        let o = Command::new(tdf_tests::bin("tld"))
            .current_dir(&d)
            .args(["-o", "out.j", file])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "tld {file}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(&format!("[{code}]")), "tld {file}: {e}");
        assert!(!d.join("out.j").exists());
    }
    // A capsule failing a check at every link: the first 100 problems, then their count.
    let mut c = model();
    let unit = c
        .groups
        .iter_mut()
        .flat_map(|g| g.units.iter_mut())
        .find(|u| !u.links.is_empty())
        .unwrap();
    unit.links[0].extend((0..150).map(|i| tdf_core::capsule::Link {
        internal: i,
        external: 1_000_000,
    }));
    fs::write(d.join("many_problems.j"), c.to_bytes()).unwrap();
    let o = tshow(&d).arg("many_problems.j").output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert_eq!(e.matches("[E0812]").count(), 100, "{e}");
    assert_eq!(e.matches("[E0813]").count(), 1, "{e}");
    assert!(
        e.contains("50 more problems of the same capsule not shown"),
        "{e}"
    );
    assert!(
        e.rfind("[E0812]") < e.find("[E0813]"),
        "the count comes last: {e}"
    );
    assert!(!o.stdout.is_empty());
    // A capsule that cannot be read at all is still an error.
    let bytes = main_j();
    fs::write(d.join("cut.j"), &bytes[..bytes.len() - 5]).unwrap();
    let o = tshow(&d).arg("cut.j").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    // ... also after a problem that could be read past, which is still reported.
    let v3 = fs::read(d.join("util_v3.j")).unwrap();
    fs::write(d.join("cut_v3.j"), &v3[..v3.len() - 5]).unwrap();
    assert_cmd_snapshot!("tshow_refused_then_unreadable", tshow(&d).arg("cut_v3.j"));
}

#[test]
fn listing_errors() {
    let d = setup("errors");
    let lib = fs::read(d.join("lib.tl")).unwrap();
    fs::write(d.join("short.tl"), &lib[..lib.len() - 4]).unwrap();
    fs::write(d.join("text.txt"), "hello\n").unwrap();
    assert_cmd_snapshot!("tshow_missing_file", tshow(&d).arg("nosuch.tl"));
    assert_cmd_snapshot!(
        "tshow_truncated_library",
        tshow(&d).args(["-i", "short.tl"])
    );
    assert_cmd_snapshot!("tshow_not_tdf", tshow(&d).arg("text.txt"));
    assert_cmd_snapshot!(
        "tshow_capsule_as_tendra_library",
        tshow(&d).args(["--format", "tendra", "main.j"])
    );
    assert_cmd_snapshot!("tshow_two_files", tshow(&d).args(["lib.tl", "main.j"]));
    assert_cmd_snapshot!("tshow_no_file", tshow(&d));
    assert_cmd_snapshot!(
        "tshow_all_without_extract",
        tshow(&d).args(["-a", "lib.tl"])
    );
    assert_cmd_snapshot!(
        "tshow_bad_format",
        tshow(&d).args(["--format", "xml", "lib.tl"])
    );
    assert_cmd_snapshot!(
        "tshow_explain",
        tshow(&d).args(["--explain", "unsafe_member_name"])
    );
}

#[test]
fn extracts_all() {
    let d = setup("extract-all");
    assert_cmd_snapshot!(
        "tshow_extract_all",
        tshow(&d).args(["-x", "-a", "-v", "lib.tl"])
    );
    assert_eq!(
        files(&d),
        ["caps/main.j", "deep/dir/util.j", "lib.tl", "main.j"]
    );
    assert_eq!(fs::read(d.join("caps/main.j")).unwrap(), main_j());
    assert_eq!(fs::read(d.join("deep/dir/util.j")).unwrap(), util_j());
}

#[test]
fn extracts_by_name() {
    let d = setup("extract-names");
    fs::create_dir_all(d.join("out")).unwrap();
    fs::write(d.join("out/util.j"), "old contents").unwrap();
    // Issue 10, class 2: a name that is not in the library is reported, with every
    // other one missing, and nothing is written.
    assert_cmd_snapshot!(
        "tshow_extract_names_one_missing",
        tshow(&d).args([
            "-x",
            "-m",
            "-b",
            "-v",
            "-C",
            "out",
            "lib.tl",
            "util.j",
            "nosuch.j",
            "caps/main.j",
            "other.j",
        ])
    );
    assert_eq!(files(&d.join("out")), ["util.j"]);
    assert_eq!(fs::read(d.join("out/util.j")).unwrap(), b"old contents");
    assert_cmd_snapshot!(
        "tshow_extract_names",
        tshow(&d).args([
            "-x",
            "-m",
            "-b",
            "-v",
            "-C",
            "out",
            "lib.tl",
            "util.j",
            "caps/main.j",
        ])
    );
    assert_eq!(files(&d.join("out")), ["main.j", "util.j"]);
    assert_eq!(fs::read(d.join("out/util.j")).unwrap(), util_j());
    // Without -m, a basename does not match.
    assert_cmd_snapshot!(
        "tshow_extract_basename_without_m",
        tshow(&d).args(["-x", "-C", "out2", "lib.tl", "util.j"])
    );
    assert!(!d.join("out2").exists());
}

#[test]
fn extraction_option_errors() {
    let d = setup("extract-usage");
    assert_cmd_snapshot!("tshow_extract_nothing", tshow(&d).args(["-x", "lib.tl"]));
    assert_cmd_snapshot!(
        "tshow_extract_all_and_names",
        tshow(&d).args(["-x", "-a", "lib.tl", "caps/main.j"])
    );
    assert_cmd_snapshot!(
        "tshow_extract_with_listing_option",
        tshow(&d).args(["-x", "-i", "-a", "lib.tl"])
    );
    assert_eq!(files(&d), ["lib.tl", "main.j"]);
}

#[test]
fn extraction_refuses_unsafe_names() {
    let d = setup("extract-unsafe");
    fs::create_dir_all(d.join("target")).unwrap();
    fs::write(
        d.join("evil.tl"),
        raw_library(&["../evil.j", "sub/../../evil2.j", "/abs/ok.j", "ok/../x.j"]),
    )
    .unwrap();
    assert_cmd_snapshot!(
        "tshow_extract_unsafe",
        tshow(&d).args(["-x", "-a", "-C", "target", "evil.tl"])
    );
    // Every unsafe name is reported and nothing is written.
    assert!(files(&d.join("target")).is_empty());
    assert_eq!(files(&d), ["evil.tl", "lib.tl", "main.j"]);
    // The absolute name alone is made relative.
    fs::write(d.join("abs.tl"), raw_library(&["/abs/ok.j"])).unwrap();
    let s = tshow(&d)
        .args(["-x", "-a", "-C", "target", "abs.tl"])
        .status()
        .unwrap();
    assert!(s.success());
    assert_eq!(files(&d.join("target")), ["abs/ok.j"]);
}

#[cfg(unix)]
#[test]
fn extraction_refuses_symlinks_leading_outside() {
    let d = setup("extract-symlink");
    fs::create_dir_all(d.join("target/real")).unwrap();
    fs::create_dir_all(d.join("outside")).unwrap();
    std::os::unix::fs::symlink("../outside", d.join("target/caps")).unwrap();
    std::os::unix::fs::symlink("real", d.join("target/inside")).unwrap();
    fs::write(
        d.join("links.tl"),
        raw_library(&["caps/main.j", "caps/deeper/x.j", "inside/y.j"]),
    )
    .unwrap();
    assert_cmd_snapshot!(
        "tshow_extract_symlink",
        tshow(&d).args(["-x", "-a", "-C", "target", "links.tl"])
    );
    // The links leading outside are reported, and nothing is written.
    assert!(files(&d.join("outside")).is_empty());
    assert_eq!(files(&d.join("target")), ["caps (link)", "inside (link)"]);
    // A link that stays inside the target is followed.
    fs::write(d.join("inside.tl"), raw_library(&["inside/y.j"])).unwrap();
    let s = tshow(&d)
        .args(["-x", "-a", "-C", "target", "inside.tl"])
        .status()
        .unwrap();
    assert!(s.success());
    assert_eq!(
        files(&d.join("target")),
        ["caps (link)", "inside (link)", "real/y.j"]
    );
}

/// `tshow -x -a -C out lib.tl` run in `d`, and `tld -mx -a ../lib.tl` run in `d/out`:
/// the two ways to extract every member of `d/lib.tl` into `d/out`, by tool name.
fn extract_all_into_out(d: &Path) -> [(&'static str, Command); 2] {
    let mut tshow = Command::new(tdf_tests::bin("tshow"));
    tshow
        .args(["-x", "-a", "-C", "out", "lib.tl"])
        .current_dir(d);
    let mut tld = Command::new(tdf_tests::bin("tld"));
    tld.args(["-mx", "-a", "../lib.tl"])
        .current_dir(d.join("out"));
    [("tshow", tshow), ("tld", tld)]
}

/// The largest file the commands given to [`limit_file_size`] may write.
#[cfg(unix)]
const SIZE_LIMIT: u64 = 8_000;

/// A capsule larger than [`SIZE_LIMIT`].
#[cfg(unix)]
fn big_j() -> Vec<u8> {
    fixtures::capsule()
        .body_size(20_000)
        .define_tag("big")
        .build()
}

/// Makes every file `c` writes stop at [`SIZE_LIMIT`] bytes: a write past it fails
/// (EFBIG), as on a full disk, instead of killing the process.
#[cfg(unix)]
fn limit_file_size(c: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let l = libc::rlimit {
                rlim_cur: SIZE_LIMIT,
                rlim_max: SIZE_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &l) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Into a directory the run creates, a later member of the same name replaces an earlier
/// one (as `tar` does), nothing else is left there, and a failure takes back every file
/// and directory of the run.
#[cfg(unix)]
#[test]
fn extraction_into_a_new_directory() {
    let d = tdf_tests::scratch("tshow-extract-new-dir");
    let member = |name: &str, data: &[u8]| Member {
        name: Cow::Owned(name.as_bytes().to_vec()),
        data: Cow::Owned(data.to_vec()),
        offset: 0,
    };
    let first = fixtures::capsule().define_tag("first").build();
    let second = fixtures::capsule().define_tag("second").build();
    let lib = Library {
        major: 4,
        minor: 0,
        members: vec![
            member("a.j", &first),
            member("sub/b.j", &first),
            member("a.j", &second),
        ],
        index: Vec::new(),
    };
    fs::write(d.join("lib.tl"), lib.to_bytes()).unwrap();
    let out = tshow(&d)
        .args(["-x", "-a", "-C", "new/out", "lib.tl"])
        .output()
        .unwrap();
    tdf_tests::assert_success(&out);
    assert_eq!(files(&d.join("new")), ["out/a.j", "out/sub/b.j"]);
    assert_eq!(fs::read(d.join("new/out/a.j")).unwrap(), second);
    assert_eq!(fs::read(d.join("new/out/sub/b.j")).unwrap(), first);
    // The new directory was built under a temporary name and renamed: nothing of that
    // stays, and it has the permissions of a directory created as usual.
    let temporaries = || -> Vec<_> {
        fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| tdf_core::fsutil::is_temp_name(n))
            .collect()
    };
    assert!(temporaries().is_empty(), "{:?}", temporaries());
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    fs::create_dir(d.join("plain")).unwrap();
    assert_eq!(mode(&d.join("new")), mode(&d.join("plain")));
    assert_eq!(mode(&d.join("new/out")), mode(&d.join("plain")));

    // A member over the size limit after one written: nothing of the run stays.
    let lib = fixtures::library(&[("small.j", &main_j()), ("deeper/big.j", &big_j())]);
    fs::write(d.join("big.tl"), lib).unwrap();
    let mut c = tshow(&d);
    c.args(["-x", "-a", "-C", "other/out", "big.tl"]);
    limit_file_size(&mut c);
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("big.j"), "{stderr}");
    assert!(!d.join("other").exists(), "{stderr}");
    assert!(temporaries().is_empty(), "{:?}", temporaries());
}

/// An I/O failure while the members are written (here a file size limit, as a full disk
/// would fail) leaves nothing of the extraction: no member, no temporary file, no
/// directory the run created; an existing file the extraction would have replaced is
/// kept as it was. The same for `tld -mx`.
#[cfg(unix)]
#[test]
fn extraction_failing_midway_leaves_nothing() {
    let d = tdf_tests::scratch("tshow-extract-midway");
    // A small member first, in new directories; then one over the size limit.
    let big = big_j();
    let lib = fixtures::library(&[("new/dir/small.j", &main_j()), ("big.j", &big)]);
    fs::write(d.join("lib.tl"), lib).unwrap();
    assert!(main_j().len() < SIZE_LIMIT as usize && big.len() > SIZE_LIMIT as usize);
    for (tool, mut c) in extract_all_into_out(&d) {
        fs::create_dir_all(d.join("out")).unwrap();
        fs::write(d.join("out/big.j"), b"kept").unwrap();
        limit_file_size(&mut c);
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tool}: {stderr}");
        assert!(
            stderr.contains("big.j"),
            "{tool}: the failure names the member: {stderr}"
        );
        assert_eq!(files(&d.join("out")), ["big.j"], "{tool}: {stderr}");
        assert_eq!(fs::read(d.join("out/big.j")).unwrap(), b"kept");
        assert!(
            !d.join("out/new").exists(),
            "{tool}: the new directories are gone"
        );
        fs::remove_dir_all(d.join("out")).unwrap();
    }
    // Without the limit, both are extracted.
    let s = tshow(&d)
        .args(["-x", "-a", "-C", "out", "lib.tl"])
        .status()
        .unwrap();
    assert!(s.success());
    assert_eq!(files(&d.join("out")), ["big.j", "new/dir/small.j"]);
}

/// A member that cannot be put in place after others were takes those back: the file
/// and the symbolic link they replaced return, the new file and the directories the run
/// created are removed, no temporary file stays. The same for `tld -mx`. (Member `d` is
/// written while nothing is at its path, then member `d/x.j` needs a directory there:
/// `d` cannot be put in place over it.)
#[cfg(unix)]
#[test]
fn extraction_failing_to_place_a_member_takes_the_others_back() {
    let d = tdf_tests::scratch("tshow-extract-place");
    let lib = raw_library(&["kept.j", "new/dir/fresh.j", "link.j", "d", "d/x.j"]);
    fs::write(d.join("lib.tl"), lib).unwrap();
    for (tool, mut c) in extract_all_into_out(&d) {
        fs::create_dir_all(d.join("out")).unwrap();
        fs::write(d.join("out/kept.j"), b"old").unwrap();
        std::os::unix::fs::symlink("kept.j", d.join("out/link.j")).unwrap();
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tool}: {stderr}");
        assert!(
            stderr.contains("[E0802]") && stderr.contains("d': is a directory"),
            "{tool}: the failure names the member: {stderr}"
        );
        assert!(!stderr.contains("E0814"), "{tool}: {stderr}");
        assert_eq!(
            files(&d.join("out")),
            ["kept.j", "link.j (link)"],
            "{tool}: {stderr}"
        );
        assert_eq!(fs::read(d.join("out/kept.j")).unwrap(), b"old");
        assert_eq!(
            fs::read_link(d.join("out/link.j")).unwrap(),
            Path::new("kept.j")
        );
        fs::remove_dir_all(d.join("out")).unwrap();
    }
    // Without `d` and `d/x.j`, every member is extracted over what was there.
    fs::create_dir_all(d.join("out")).unwrap();
    fs::write(d.join("out/kept.j"), b"old").unwrap();
    fs::write(d.join("ok.tl"), raw_library(&["kept.j", "new/dir/fresh.j"])).unwrap();
    let s = tshow(&d)
        .args(["-x", "-a", "-C", "out", "ok.tl"])
        .status()
        .unwrap();
    assert!(s.success());
    assert_eq!(files(&d.join("out")), ["kept.j", "new/dir/fresh.j"]);
    assert_ne!(fs::read(d.join("out/kept.j")).unwrap(), b"old");
}

/// A FIFO at a member's path is replaced by the member, as `tar` replaces it; opened
/// for writing, it would block the run until some reader came.
#[cfg(unix)]
#[test]
fn extraction_replaces_a_fifo_instead_of_blocking() {
    let d = setup("extract-fifo");
    fs::create_dir_all(d.join("out/caps")).unwrap();
    let fifo = std::ffi::CString::new(
        d.join("out/caps/main.j")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let mut child = tshow(&d)
        .args(["-x", "-C", "out", "lib.tl", "caps/main.j"])
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("tshow -x blocked on the FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success());
    let meta = fs::symlink_metadata(d.join("out/caps/main.j")).unwrap();
    assert!(meta.is_file());
    assert_eq!(fs::read(d.join("out/caps/main.j")).unwrap(), main_j());
}
