#![recursion_limit = "256"]
//! The `tierdesk` command: the portal and its maintenance tasks, all using the same `DATABASE_URL`.

use app::domain::user::{Email, Role};
use app::ssr::auth;
use clap::{Parser, Subcommand};
use std::io::Read;
use std::process::ExitCode;
use tierdesk::config::Config;

#[derive(Parser)]
#[command(
    name = "tierdesk",
    about = "The IT and corporate-security helpdesk portal",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal on TIERDESK_ADDR (default 127.0.0.1:3000); migrations run first.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print every endpoint the server answers, one `METHOD /path` per line (pages, server
    /// functions, the JSON API): what the authorization matrix and the page walk cover.
    Routes,
    /// Manage people.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Import data into the portal.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Load demo people, guides and requests (idempotent), printing the demo passwords.
    Demo {
        /// Also generate this many requests spread over two years (for trying the queue at
        /// scale, and for benchmarks).
        #[arg(long, default_value_t = 0)]
        requests: usize,
        /// Switch round-robin assignment on or off (left as it is when not given).
        #[arg(long, value_parser = ["on", "off"])]
        round_robin: Option<String>,
    },
    /// Background jobs (the server runs them every few minutes by itself).
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run the date-driven jobs once now (safe while servers run them too).
    Run,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Markdown files with front matter (title, slug, category, visibility, owner); updates by slug.
    Guides { dir: std::path::PathBuf },
    /// A tech-stack YAML file (GitLab's data/tech_stack.yml format); matches systems by title.
    TechStack {
        file: std::path::PathBuf,
        /// Take the file's value where a system was edited here since the last import.
        #[arg(long)]
        overwrite: bool,
        /// Import the valid entries even when others have errors.
        #[arg(long)]
        partial: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a person; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// One or more of member, contractor, manager, analyst, engineer, admin, comma-separated.
        #[arg(long)]
        role: String,
        /// Defaults to the part of the e-mail before the @.
        #[arg(long)]
        handle: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a person and print it; only its hash is stored. Tokens open the
    /// JSON API (/api/v1) only, never pages or server functions.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// `read` (GET only) or `write` (everything the person may do).
        #[arg(long, default_value = "read")]
        scope: String,
        /// Days until the token stops working (at most 365).
        #[arg(long, default_value_t = app::domain::user::TOKEN_DEFAULT_DAYS)]
        expires_in_days: u32,
    },
    /// List tokens (never their secrets): id, person, label, scopes, dates.
    List {
        /// Only this person's tokens.
        #[arg(long)]
        email: Option<String>,
    },
    /// Revoke a token by its id (from `token list`); it stops working at once.
    Revoke { id: i64 },
}

async fn token(config: &Config, command: TokenCommand) -> Result<(), String> {
    use app::domain::user::{TokenScope, TOKEN_MAX_DAYS};
    let db = config.open_database().await?;
    let user_of = |email: String| {
        let db = db.clone();
        async move {
            let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
            db.user_id_by_email(email.as_str())
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("nobody has the e-mail {}", email.as_str()))
        }
    };
    match command {
        TokenCommand::Create {
            email,
            label,
            scope,
            expires_in_days,
        } => {
            let scope = TokenScope::parse(&scope).map_err(|e| format!("--scope: {e}"))?;
            if !(1..=TOKEN_MAX_DAYS).contains(&expires_in_days) {
                return Err(format!(
                    "--expires-in-days: give a number of days from 1 to {TOKEN_MAX_DAYS}"
                ));
            }
            app::domain::text::check("label", &label).map_err(|e| format!("--label: {e}"))?;
            let user_id = user_of(email).await?;
            let token = auth::new_secret("tdk_");
            let expires_at = db.now() + i64::from(expires_in_days) * 86_400_000;
            let id = db
                .create_api_token(&app::ssr::store::NewApiToken {
                    user_id,
                    token_hash: &auth::secret_hash(&token),
                    label: label.trim(),
                    scopes: scope.stored(),
                    expires_at,
                })
                .await
                .map_err(|e| e.to_string())?;
            eprintln!(
                "token {id} ({}), ends {}",
                scope.stored(),
                app::domain::time::Timestamp::from_millis(expires_at)
            );
            println!("{token}");
            Ok(())
        }
        TokenCommand::List { email } => {
            let user_id = match email {
                Some(e) => Some(user_of(e).await?),
                None => None,
            };
            let now = db.now();
            let at = |ms: Option<i64>| {
                ms.map(|t| app::domain::time::Timestamp::from_millis(t).to_string())
                    .unwrap_or_else(|| "-".into())
            };
            println!("id\tperson\tlabel\tscopes\tcreated\tends\tlast used\tstate");
            for t in db.api_tokens(user_id).await.map_err(|e| e.to_string())? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(end)) if end > now => "active",
                    _ => "expired",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{state}",
                    t.id,
                    t.email,
                    t.label,
                    t.scopes,
                    at(Some(t.created_at)),
                    at(t.expires_at),
                    at(t.last_used_at),
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            if db.revoke_api_token(id).await.map_err(|e| e.to_string())? {
                println!("token {id} revoked");
                Ok(())
            } else {
                Err(format!("there is no active token {id}"))
            }
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("TIERDESK_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// See `tierdesk::allocator`: memory freed after a burst goes back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tierdesk::allocator::configure();
    let cli = Cli::parse();
    init_tracing();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tierdesk: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    let config = Config::from_env()?;
    match command {
        Command::Serve => tierdesk::serve(&config).await,
        Command::Routes => {
            for e in tierdesk::endpoint_list() {
                println!("{e}");
            }
            Ok(())
        }
        Command::Migrate => {
            let db = config.open_database().await?;
            println!("migrations applied ({})", db.backend());
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    handle,
                },
        } => {
            let email = Email::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let roles = Role::parse_list(&role).map_err(|e| format!("--role: {e}"))?;
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err("--name: give the person's name".into());
            }
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("reading the password: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            auth::check_password_rules(&password).map_err(|e| format!("password: {e}"))?;
            let db = config.open_database().await?;
            let handle = handle.unwrap_or_else(|| email.default_handle());
            let hash = auth::hash_password(password)
                .await
                .map_err(|e| e.to_string())?;
            let id = db
                .create_user(email.as_str(), &handle, &name, &hash, &roles)
                .await
                .map_err(|e| match e {
                    app::ssr::store::StoreError::Constraint(_) => {
                        format!(
                            "a person with the e-mail {} or handle {handle} already exists",
                            email.as_str()
                        )
                    }
                    other => other.to_string(),
                })?;
            println!("created user {id} <{}>", email.as_str());
            Ok(())
        }
        Command::Token { command } => token(&config, command).await,
        Command::Import {
            command: ImportCommand::Guides { dir },
        } => {
            let db = config.open_database().await?;
            let r = tierdesk::import::import_guides(&db, &dir).await?;
            println!(
                "guides: {} added, {} updated, {} unchanged",
                r.added.len(),
                r.updated.len(),
                r.unchanged.len()
            );
            for (what, slugs) in [("added", &r.added), ("updated", &r.updated)] {
                for slug in slugs {
                    println!("  {what}: {slug}");
                }
            }
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::TechStack {
                    file,
                    overwrite,
                    partial,
                },
        } => {
            let db = config.open_database().await?;
            let opts = app::ssr::registry::ImportOptions {
                overwrite,
                partial,
                dry_run: false,
            };
            let report = tierdesk::import::import_tech_stack(&db, &file, opts).await?;
            print!("{}", tierdesk::import::describe(&report));
            if report.refused {
                return Err("nothing imported: fix the entries above, or pass --partial to import the valid ones".into());
            }
            Ok(())
        }
        Command::Jobs {
            command: JobsCommand::Run,
        } => {
            let db = config.open_database().await?;
            let st = app::ssr::AppState::new(db, false);
            let r = app::ssr::jobs::run(&st, st.db.now())
                .await
                .map_err(|e| e.to_string())?;
            println!("{r:?}");
            Ok(())
        }
        Command::Demo {
            requests,
            round_robin,
        } => {
            let db = config.open_database().await?;
            let options = tierdesk::demo::Options {
                requests,
                round_robin: round_robin.map(|r| r == "on"),
            };
            tierdesk::demo::load(&db, &options).await
        }
    }
}
