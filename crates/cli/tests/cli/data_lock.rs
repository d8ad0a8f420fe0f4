//! One process per data file: a second `hooklab platform` (or `hooklab
//! shop`) given a file another one holds is refused at once, with exit code
//! 2, naming the file and the holder's PID, instead of both resuming the
//! same rows.

use super::{hooklab, temp_dir};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[test]
fn a_second_platform_on_the_same_data_file_is_refused_naming_the_first() {
    let tmp = temp_dir();
    let data = tmp.path().join("shared.sqlite");
    let data_arg = data.to_str().unwrap();
    let mut first = hooklab()
        .args(["platform", "--listen", "127.0.0.1:0", "--data", data_arg])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Its first line says where it listens: by then it holds the file.
    let mut out = BufReader::new(first.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.contains("http://127.0.0.1:"), "{line}");

    let second = hooklab()
        .args(["platform", "--listen", "127.0.0.1:0", "--data", data_arg])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&second.stderr).into_owned();
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(second.status.code(), Some(2), "{said}");
    assert!(said.contains("shared.sqlite"), "{said}");
    assert!(said.contains("in use"), "{said}");
    assert!(said.contains(&format!("pid {}", first.id())), "{said}");

    // Once the first is gone (killed: the kernel drops its lock), the file
    // opens again and resumes.
    let mut again = hooklab()
        .args(["platform", "--listen", "127.0.0.1:0", "--data", data_arg])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(again.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    again.kill().unwrap();
    again.wait().unwrap();
    assert!(line.contains("http://127.0.0.1:"), "{line}");
}

#[test]
fn a_second_platform_reaching_the_file_by_a_symlink_or_a_hard_link_is_refused() {
    let tmp = temp_dir();
    let data = tmp.path().join("real.sqlite");
    let data_arg = data.to_str().unwrap();
    let mut first = hooklab()
        .args(["platform", "--listen", "127.0.0.1:0", "--data", data_arg])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(first.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    // Two other names of the one file the first platform holds.
    let symlink = tmp.path().join("symlink.sqlite");
    let hard = tmp.path().join("hard-link.sqlite");
    std::os::unix::fs::symlink(&data, &symlink).unwrap();
    std::fs::hard_link(&data, &hard).unwrap();
    // A second platform that starts (the bug) prints where it listens and
    // keeps running: it is killed and the test fails, rather than hangs.
    let second = |name: &std::path::Path| {
        let mut run = hooklab()
            .args(["platform", "--listen", "127.0.0.1:0", "--data"])
            .arg(name)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(run.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if !line.is_empty() {
            run.kill().unwrap();
        }
        (line, run.wait_with_output().unwrap())
    };
    let by_symlink = second(&symlink);
    let by_hard_link = second(&hard);
    first.kill().unwrap();
    first.wait().unwrap();
    for ((started, run), name, pid) in [
        (&by_symlink, "symlink.sqlite", true),
        (&by_hard_link, "hard-link.sqlite", false),
    ] {
        assert_eq!(started, "", "{name}: a second platform started");
        let said = String::from_utf8_lossy(&run.stderr).into_owned();
        assert_eq!(run.status.code(), Some(2), "{name}: {said}");
        assert!(said.contains(name) && said.contains("in use"), "{said}");
        // The PID is written beside the real name, which a symlink leads to
        // and a hard link does not.
        assert_eq!(said.contains(&format!("pid {}", first.id())), pid, "{said}");
    }
}
