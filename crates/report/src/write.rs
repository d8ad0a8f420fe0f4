//! Writing a run's results folder: `summary.json`, `summary.md`,
//! `summary.csv` ([`crate::csv`]) and the SVG charts ([`crate::charts`]),
//! and the `results/README.md` index ([`crate::index`]) beside them.
//!
//! All of them are functions of the summary alone, which is what lets
//! `hooklab report` redraw a run without running it again. This is the only
//! module that touches the file system for writing; the renderers it calls
//! return text.

use crate::charts::{self, ChartError};
use crate::{csv, index, render};
use hooklab_core::lang::Lang;
use hooklab_core::report::Summary;
use std::path::{Path, PathBuf};

/// Why a results folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Occurs when a file or folder cannot be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the `results/` folder cannot be listed for its index.
    #[error("cannot list the runs in {}", root.display())]
    Index {
        /// The `results/` folder.
        root: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Occurs when a row of `summary.csv` cannot be written.
    #[error("cannot write summary.csv")]
    Csv(#[source] ::csv::Error),
    /// Occurs when plotters fails to draw a chart.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// Writes `summary.json`, `summary.md`, `summary.csv` and the charts into
/// `dir`, creating it. Each file is written to a temporary name and renamed,
/// so a reader never sees half a file. When `dir` sits in a folder named
/// `results`, that folder's `README.md` index is rewritten too
/// ([`crate::index`]), so the index never lags behind the runs.
pub fn write_results(summary: &Summary, dir: &Path, lang: Lang) -> Result<(), WriteError> {
    let mut files = vec![
        ("summary.json", render::json(summary)),
        ("summary.md", render::markdown(summary, lang)),
        ("summary.csv", csv::csv(summary).map_err(WriteError::Csv)?),
    ];
    files.extend(charts::all(summary, lang)?);
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for (name, text) in files {
        write_atomically(&dir.join(name), &text)?;
    }
    if let Some(root) = dir
        .parent()
        .filter(|p| p.file_name() == Some("results".as_ref()))
    {
        let index = index::index(root).map_err(|source| WriteError::Index {
            root: root.to_owned(),
            source,
        })?;
        write_atomically(&root.join("README.md"), &index)?;
    }
    Ok(())
}

/// Writes `text` to `path` through a temporary file and a rename.
fn write_atomically(path: &Path, text: &str) -> Result<(), WriteError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| WriteError::Io {
            path: path.to_owned(),
            source,
        })
}
