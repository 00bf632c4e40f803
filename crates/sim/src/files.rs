//! Writing files for GetDocument, GetXSDFiles and DataExtract, only inside the root.

use std::path::{Component, Path, PathBuf};

/// The project's schemas written the way SystmOne's GetXSDFiles writes its own (F13),
/// embedded at compile time (the bindings crate carries them, so the packaged crate
/// builds on its own): what the simulator serves.
pub use systmone_bindings::SYSTMONE_XSD_FILES;

/// A path that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("the path {0} does not exist or cannot be accessed")]
    Missing(String),
    #[error("the path {0} is outside the directory SystmOne may write to")]
    Outside(String),
    #[error("cannot write {0}: {1}")]
    Io(String, std::io::Error),
}

/// Resolves `requested` (relative paths are taken from `root`) to an existing
/// directory inside `root` (which must be canonical). Symbolic links and `..` are
/// resolved first, so neither can lead outside. With `create`, a missing directory
/// is created when its nearest existing ancestor is inside the root.
pub fn confine(root: &Path, requested: &str, create: bool) -> Result<PathBuf, PathError> {
    let requested_path = Path::new(requested.trim());
    let joined = if requested_path.is_absolute() {
        requested_path.to_path_buf()
    } else {
        root.join(requested_path)
    };
    if create && !joined.exists() {
        if joined
            .components()
            .any(|c| matches!(c, Component::ParentDir))
        {
            return Err(PathError::Outside(requested.to_string()));
        }
        let mut ancestor = joined.as_path();
        while !ancestor.exists() {
            ancestor = ancestor
                .parent()
                .ok_or_else(|| PathError::Missing(requested.to_string()))?;
        }
        let canon = ancestor
            .canonicalize()
            .map_err(|_| PathError::Missing(requested.to_string()))?;
        if !canon.starts_with(root) {
            return Err(PathError::Outside(requested.to_string()));
        }
        std::fs::create_dir_all(&joined).map_err(|e| PathError::Io(requested.to_string(), e))?;
    }
    let canon = joined
        .canonicalize()
        .map_err(|_| PathError::Missing(requested.to_string()))?;
    if !canon.starts_with(root) {
        return Err(PathError::Outside(requested.to_string()));
    }
    if !canon.is_dir() {
        return Err(PathError::Missing(requested.to_string()));
    }
    Ok(canon)
}

/// Writes `content` to `dir/name`, replacing a symbolic link rather than following it.
pub fn write_file(dir: &Path, name: &str, content: &[u8]) -> Result<PathBuf, PathError> {
    let file_name = Path::new(name)
        .file_name()
        .map(|n| n.to_owned())
        .ok_or_else(|| PathError::Outside(name.to_string()))?;
    let path = dir.join(file_name);
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if meta.file_type().is_symlink() {
            std::fs::remove_file(&path)
                .map_err(|e| PathError::Io(path.display().to_string(), e))?;
        }
    }
    std::fs::write(&path, content).map_err(|e| PathError::Io(path.display().to_string(), e))?;
    Ok(path)
}

/// CRC-32 (IEEE), for SRManifestCRC.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn xsds_embedded() {
        use systmone_bindings::XSD_FILES;
        assert_eq!(XSD_FILES.len(), 18);
        assert!(XSD_FILES.iter().all(|(_, text)| text.contains("xs:schema")));
        // SystmOne's style: one self-contained, request-only file per function version.
        assert_eq!(SYSTMONE_XSD_FILES.len(), 17);
        assert!(
            SYSTMONE_XSD_FILES
                .iter()
                .all(|(_, text)| text.contains("xs:schema")
                    && !text.contains("xs:include")
                    && !text.contains("ClientIntegrationResponse"))
        );
    }
}
