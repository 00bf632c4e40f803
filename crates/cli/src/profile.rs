//! Named profiles from an optional config file, and colour on terminals.
//!
//! The config file (TOML; `<config dir>/systmone/config.toml`, or `--config FILE` /
//! `SYSTMONE_CONFIG`) holds profiles:
//!
//! ```toml
//! [profiles.surgery]
//! addr = "127.0.0.1:40700"
//! api_key_file = "/home/me/.config/systmone/surgery.key"
//! device_id_file = "/home/me/.config/systmone/surgery.device-id"
//! pacing = "spec"
//! ```
//!
//! chosen with `--profile NAME` (or `SYSTMONE_PROFILE`). Flags and environment
//! variables override a profile's values; a profile overrides the defaults.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::options::{ColorArg, GlobalOpts, PacingArg};

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile: every field optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The SystmOne client's address (host:port).
    pub addr: Option<String>,
    /// A file holding the API key (kept out of the config file and of `ps`).
    pub api_key_file: Option<PathBuf>,
    /// Where the Device ID is kept.
    pub device_id_file: Option<PathBuf>,
    /// `spec` or `off`.
    pub pacing: Option<String>,
}

/// The default config file: `<config dir>/systmone/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    systmone_client::FileStore::default_path()
        .and_then(|p| p.parent().map(|d| d.join("config.toml")))
}

/// Reads the config file at `path`.
pub fn read_config(path: &Path, limit: usize) -> anyhow::Result<ConfigFile> {
    let text = crate::options::read_file(path, limit).context("cannot read the config file")?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
}

/// Whether the value of `id` came from the command line or the environment (which
/// override a profile), not from a default.
fn given(matches: &clap::ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Fills the options that flags and environment left unset from the chosen profile.
pub fn apply(global: &mut GlobalOpts, matches: &clap::ArgMatches) -> anyhow::Result<()> {
    let Some(name) = global.profile.clone() else {
        return Ok(());
    };
    let path = match &global.config {
        Some(p) => p.clone(),
        None => default_config_path()
            .context("no configuration directory on this platform: give --config FILE")?,
    };
    if !path.exists() {
        bail!(
            "profile {name:?} asked for, but there is no config file at {} (see `systmone --help`)",
            path.display()
        );
    }
    let config = read_config(&path, global.max_document_size())?;
    let Some(profile) = config.profiles.get(&name) else {
        let names: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        bail!(
            "no profile {name:?} in {}{}; its profiles: {}",
            path.display(),
            crate::checks::did_you_mean(&name, names.iter().copied()),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        );
    };
    let context = |field: &str| format!("profile {name:?} in {}: {field}", path.display());
    if let Some(addr) = &profile.addr {
        if !given(matches, "addr") {
            global.addr = addr.clone();
        }
    }
    if let Some(file) = &profile.api_key_file {
        if global.api_key.is_none() {
            let key = global
                .read_file(file)
                .with_context(|| context("cannot read api_key_file"))?;
            global.api_key = Some(key.trim().to_string());
        }
    }
    if let Some(file) = &profile.device_id_file {
        if global.device_id_file.is_none() {
            global.device_id_file = Some(file.clone());
        }
    }
    if let Some(pacing) = &profile.pacing {
        if !given(matches, "pacing") {
            global.pacing = match pacing.as_str() {
                "spec" => PacingArg::Spec,
                "off" => PacingArg::Off,
                other => bail!(
                    "{}",
                    context(&format!("pacing {other:?} is not spec or off"))
                ),
            };
        }
    }
    Ok(())
}

/// Whether to colour what goes to stderr: `--color always`/`never` as asked; `auto`
/// on a terminal unless `NO_COLOR` is set (<https://no-color.org>) or TERM is dumb.
pub fn colour_stderr(choice: ColorArg) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && std::io::stderr().is_terminal()
        }
    }
}

/// `error:` in bold red when colouring.
pub fn error_prefix(colour: bool) -> &'static str {
    if colour {
        "\x1b[1;31merror:\x1b[0m"
    } else {
        "error:"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_files() {
        let config: ConfigFile = toml::from_str(
            "[profiles.a]\naddr = \"127.0.0.1:1\"\npacing = \"off\"\n[profiles.b]\n",
        )
        .unwrap();
        assert_eq!(config.profiles["a"].addr.as_deref(), Some("127.0.0.1:1"));
        assert!(config.profiles["b"].addr.is_none());
        let e = toml::from_str::<ConfigFile>("[profiles.a]\nadress = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `adress`"), "{e}");
    }
}
