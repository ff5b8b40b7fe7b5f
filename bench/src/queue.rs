//! The analyst's dashboard at scale, measured over HTTP by a load generator beside a bare handler
//! in the same run, while writes arrive.

use crate::percentile;
use app::ssr::store::Db;
use std::time::{Duration, Instant};

/// One kind of HTTP request the load generator sends.
#[derive(Clone)]
struct Target {
    name: &'static str,
    method: &'static str,
    path: String,
    body: String,
    cookie: Option<String>,
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

async fn connect(addr: std::net::SocketAddr) -> Result<Sender, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn send(sender: &mut Sender, t: &Target) -> Result<(), String> {
    use http_body_util::BodyExt;
    sender.ready().await.map_err(|e| e.to_string())?;
    let mut req = axum::http::Request::builder()
        .method(t.method)
        .uri(&t.path)
        .header("host", "127.0.0.1")
        .header("sec-fetch-site", "same-origin");
    if t.method == "POST" {
        req = req
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
    }
    if let Some(c) = &t.cookie {
        req = req.header("cookie", c);
    }
    let req = req
        .body(http_body_util::Full::new(bytes::Bytes::from(
            t.body.clone(),
        )))
        .map_err(|e| e.to_string())?;
    let res = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = res.status();
    res.into_body().collect().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{} answered {status}", t.name));
    }
    Ok(())
}

/// Sequential requests on one connection: the time each takes, sorted.
async fn latencies(
    addr: std::net::SocketAddr,
    t: &Target,
    samples: usize,
) -> Result<Vec<Duration>, String> {
    let mut sender = connect(addr).await?;
    for _ in 0..20 {
        send(&mut sender, t).await?;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        send(&mut sender, t).await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}

/// `clients` connections sending as fast as answers come for `seconds`: requests per second.
async fn throughput(
    addr: std::net::SocketAddr,
    t: &Target,
    clients: usize,
    seconds: u64,
) -> Result<f64, String> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(addr).await?;
            let mut n = 0u64;
            while Instant::now() < deadline {
                send(&mut sender, &t).await?;
                n += 1;
            }
            Ok::<u64, String>(n)
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.map_err(|e| e.to_string())??;
    }
    Ok(total as f64 / seconds as f64)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Runs a listener for `router` on a free port of this process.
async fn spawn(router: axum::Router) -> Result<std::net::SocketAddr, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    Ok(addr)
}

pub async fn queue(db: &Db, clients: usize, seconds: u64, samples: usize) -> Result<(), String> {
    use app::domain::queue::{Filter, View, PAGE};
    let e = |e: app::ssr::store::StoreError| e.to_string();
    let requests = db.count_requests().await.map_err(e)?;
    if requests < 1_000 {
        return Err(format!(
            "only {requests} requests here: load some first, e.g. `tierdesk demo --requests 100000`"
        ));
    }
    let analyst = db
        .user_id_by_email("analyst@tierdesk.test")
        .await
        .map_err(e)?
        .ok_or("the demo analyst is missing: run `tierdesk demo` first")?;
    let open = db
        .view_counts(analyst, db.now())
        .await
        .map_err(e)?
        .counts
        .iter()
        .find(|(v, _)| *v == View::Open)
        .map_or(0, |(_, n)| *n);
    println!(
        "Queue benchmark on {} with {requests} requests ({open} open)",
        db.backend()
    );

    // The store's part alone: one view's first page plus every view's count.
    println!("\nStore time per dashboard (first {PAGE} of the view + all view counts), {samples} runs each:");
    for view in [
        View::Unassigned,
        View::Mine,
        View::AtRisk,
        View::Breached,
        View::Open,
    ] {
        let filter = Filter {
            view: Some(view),
            ..Filter::default()
        };
        let (mut times, mut pages, mut counts) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..samples + 20 {
            let started = Instant::now();
            let now = db.now();
            db.queue_page(&filter, analyst, now, PAGE)
                .await
                .map_err(e)?;
            let page = started.elapsed();
            db.view_counts(analyst, now).await.map_err(e)?;
            if i >= 20 {
                times.push(started.elapsed());
                pages.push(page);
                counts.push(started.elapsed() - page);
            }
        }
        if std::env::var_os("TIERDESK_BENCH_PLANS").is_some() {
            let now = db.now();
            for line in db.queue_plan(&filter, analyst, now).await.map_err(e)? {
                println!("    | {line}");
            }
        }
        times.sort();
        pages.sort();
        counts.sort();
        println!(
            "  {:<18} p50 {:>9}  p99 {:>9}   (page p50 {}, counts p50 {})",
            view.label(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(percentile(&pages, 0.5)),
            ms(percentile(&counts, 0.5)),
        );
    }

    // Over HTTP, through the whole server (session, authorization, serialisation).
    let secret = app::ssr::auth::new_secret("");
    db.create_session(
        &app::ssr::auth::secret_hash(&secret),
        analyst,
        db.now() + 3_600_000,
    )
    .await
    .map_err(e)?;
    let cookie = Some(format!("{}={secret}", app::ssr::ctx::SESSION_COOKIE));
    // The same server twice: as it runs (with its one-second read cache), and with the cache off
    // so that every request does the whole work.
    let cached = app::ssr::AppState::new(db.clone(), false);
    let mut uncached = cached.clone();
    uncached.cache = std::sync::Arc::new(app::ssr::cache::ReadCache::new(Duration::ZERO));
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let options_addr = probe.local_addr().map_err(|e| e.to_string())?;
    drop(probe);
    let app_addr = spawn(tierdesk::router(
        cached,
        tierdesk::leptos_options(options_addr),
    ))
    .await?;
    let uncached_addr = spawn(tierdesk::router(
        uncached,
        tierdesk::leptos_options(options_addr),
    ))
    .await?;
    let bare_addr =
        spawn(axum::Router::new().route("/", axum::routing::get(|| async { "ok" }))).await?;
    let get = |name, path: &str| Target {
        name,
        method: "GET",
        path: path.into(),
        body: String::new(),
        cookie: cookie.clone(),
    };
    let dashboard = "/fn/queue_dashboard?query=view%3Dunassigned";
    let targets = [
        (
            bare_addr,
            Target {
                name: "bare axum handler",
                method: "GET",
                path: "/".into(),
                body: String::new(),
                cookie: None,
            },
        ),
        (app_addr, get("dashboard data", dashboard)),
        (uncached_addr, get("dashboard data, cache off", dashboard)),
        (app_addr, get("queue page (HTML)", "/queue?view=unassigned")),
    ];
    println!("\nHTTP on loopback: latency of one client ({samples} requests), then {clients} concurrent clients for {seconds} s:");
    let mut bare_rps = 0.0;
    for (addr, t) in &targets {
        let times = latencies(*addr, t, samples).await?;
        let rps = throughput(*addr, t, clients, seconds).await?;
        if t.name.starts_with("bare") {
            bare_rps = rps;
        }
        println!(
            "  {:<28} p50 {:>9}  p99 {:>9}  {:>9.0} req/s{}",
            t.name,
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            rps,
            if bare_rps > 0.0 && !t.name.starts_with("bare") {
                format!("  ({:.2} of the bare handler)", rps / bare_rps)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
