//! Knowledge-base search: tantivy index over `kb/**/*.md` with language-aware analysis and confidence.

use serde::{Deserialize, Serialize};

/// `[search]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Folder of markdown articles.
    pub kb_dir: String,
    /// Folder for the on-disk index and other derived data.
    pub data_dir: String,
}
