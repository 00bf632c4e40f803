//! `proxy`: a recording proxy between an integration and SystmOne (`systmone-proxy`).

use std::time::Duration;

use anyhow::Context;
use systmone_proxy::{MaskOptions, Masking, Proxy, ProxyConfig};

use crate::options::ProxyArgs;

pub async fn run(args: ProxyArgs) -> anyhow::Result<u8> {
    let mut config = ProxyConfig::new(args.listen, args.upstream);
    config.allow_remote = args.allow_remote;
    config.record = args.record.clone();
    config.masking = if args.no_mask {
        eprintln!(
            "warning: --no-mask: the recording will hold real patient data as received; keep it \
             where patient records may be kept, and never commit it"
        );
        Masking::Off
    } else {
        Masking::Mask(MaskOptions {
            keep_free_text: args.keep_free_text,
            seed: None,
        })
    };
    let proxy = Proxy::start(config).await?;
    println!(
        "proxy listening on {}, forwarding to {}",
        proxy.addr(),
        args.upstream
    );
    if let Some(dir) = &args.record {
        println!(
            "recording into {} ({})",
            dir.display(),
            if args.no_mask {
                "not masked"
            } else if args.keep_free_text {
                "masked, free text kept"
            } else {
                "masked"
            }
        );
    }
    let terminated = terminated();
    tokio::pin!(terminated);
    let mut shown = std::collections::BTreeSet::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = &mut terminated => break,
            _ = tick.tick() => {
                // Drift as it is seen: paths and kinds only (no patient data).
                for (path, drift) in proxy.summary().drift {
                    if shown.insert(path.clone()) {
                        eprintln!("drift: {path} ({})", drift.kind);
                    }
                }
            }
        }
    }
    let summary = proxy
        .shutdown()
        .await
        .context("cannot write the run summary")?;
    eprint!("{}", summary.render());
    Ok(0)
}

/// Resolves on SIGTERM (never elsewhere).
async fn terminated() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    {
        term.recv().await;
        return;
    }
    std::future::pending::<()>().await
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Line {
        #[command(flatten)]
        proxy: ProxyArgs,
    }

    #[test]
    fn localhost_is_loopback_for_both_addresses() {
        let line = Line::try_parse_from([
            "proxy",
            "--listen",
            "localhost:40701",
            "--upstream",
            "LOCALHOST:40700",
        ])
        .unwrap();
        assert_eq!(line.proxy.listen, "127.0.0.1:40701".parse().unwrap());
        assert_eq!(line.proxy.upstream, "127.0.0.1:40700".parse().unwrap());
        assert!(Line::try_parse_from(["proxy", "--upstream", "surgery-pc:40700"]).is_err());
    }
}
