//! `tierdesk-bench`: measure the portal on a scratch database (it adds generated data to
//! `DATABASE_URL`, `sqlite://data/tierdesk.db` unless set).

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tierdesk-bench",
    about = "Measure Tierdesk on a scratch database"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The queue at scale: store time and HTTP latency (p50/p99) of the dashboard (first 50 of a
    /// view plus every view's count), and throughput under concurrent clients beside a bare
    /// axum handler in the same run. Load data first: `tierdesk demo --requests 100000`.
    Queue {
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 400)]
        samples: usize,
    },
    /// Generate guides up to --count and report full-text search p50/p99.
    Guides {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
    },
    /// Sign in the first --analysts people who work the queue and write their cookies, one per
    /// line, to --out (for `bench/load`, which loads a running server from outside).
    Sessions {
        #[arg(long, default_value_t = 20)]
        analysts: usize,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Generate systems up to --count and report /systems list and "who owns X?" p50/p99.
    Systems {
        #[arg(long, default_value_t = 2_000)]
        count: usize,
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = async {
        let config = tierdesk::config::Config::from_env()?;
        let db = tierdesk::open_database(&config.database_url).await?;
        match cli.command {
            Command::Queue {
                clients,
                seconds,
                samples,
            } => tierdesk_bench::queue(&db, clients, seconds, samples).await,
            Command::Guides { count, queries } => tierdesk_bench::guides(&db, count, queries).await,
            Command::Sessions { analysts, out } => {
                tierdesk_bench::sessions(&db, analysts, &out).await
            }
            Command::Systems { count, queries } => {
                tierdesk_bench::systems(&db, count, queries).await
            }
        }
    }
    .await;
    if let Err(e) = result {
        eprintln!("tierdesk-bench: {e}");
        std::process::exit(1);
    }
}
