//! `cargo xtask test`: the project's one test command (README, `.ci/run`).

use std::process::Command;

use anyhow::{Context, bail};

pub fn run(cargo_args: &[String]) -> anyhow::Result<()> {
    ensure_xmllint()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["test", "--workspace"])
        .args(cargo_args)
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("cargo test failed ({status})");
    }
    Ok(())
}

/// The XSD contract test validates fixtures with libxml2's `xmllint`, an independent
/// validator. A fresh machine has only the Rust toolchain, so install it from Debian's
/// packages when it is missing.
fn ensure_xmllint() -> anyhow::Result<()> {
    if Command::new("xmllint").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("xtask: xmllint is missing; installing Debian package libxml2-utils");
    let sudo = !is_root();
    let apt = |args: &[&str]| -> anyhow::Result<()> {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        } else {
            Command::new("apt-get")
        };
        let status = cmd
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("running apt-get (xmllint is needed: install libxml2-utils)")?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}); install libxml2-utils by hand",
                args.join(" ")
            );
        }
        Ok(())
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "libxml2-utils"])?;
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
