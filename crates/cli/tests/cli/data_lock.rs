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
