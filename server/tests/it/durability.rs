//! Durable submits (issue 18): requests submitted through the JSON API by 64 writers at once to
//! a real `tierdesk serve` process, which is killed with SIGKILL while they write, three times
//! over. No writer is ever answered with a 5xx (writers wait their turn), and every request the
//! server acknowledged with 201 is there after the restart.

use crate::common::{on_both, Backend, TestDb};
use app::domain::request::RequestKey;
use app::domain::user::Role;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both!(every_acknowledged_submit_survives_a_kill);

/// Writers at once, and how long they write before the kill.
const WRITERS: usize = 64;
const ROUNDS: usize = 3;

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn until_ready(client: &reqwest::Client, port: u16) {
    for _ in 0..200 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

async fn every_acknowledged_submit_survives_a_kill(b: Backend) {
    let t = TestDb::new(b).await;
    let mia = t.person("mia@example.com", "Mia", &[Role::Member]).await;
    let token = app::ssr::auth::new_secret("tdk_");
    t.db.create_api_token(&app::ssr::store::NewApiToken {
        user_id: mia,
        token_hash: &app::ssr::auth::secret_hash(&token),
        label: "test",
        scopes: "read write",
        // The server reads the system's clock, not the tests' business morning.
        expires_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
            + 3_600_000,
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut kills = 0;
    for round in 0..ROUNDS {
        let port = free_port();
        let mut server = t.serve(&format!("127.0.0.1:{port}"), &[]);
        until_ready(&client, port).await;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (client, token, stop) = (client.clone(), token.clone(), stop.clone());
                let (acknowledged, failures) = (acknowledged.clone(), failures.clone());
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        n += 1;
                        let title = format!("Round {round} writer {w} number {n}");
                        let res = client
                            .post(format!("http://127.0.0.1:{port}/api/v1/requests"))
                            .bearer_auth(&token)
                            .json(&serde_json::json!({"kind": "other", "title": title,
                                "description": "Durable?", "priority": "normal"}))
                            .send()
                            .await;
                        // A connection cut by the kill is no answer; any answer is checked.
                        let Ok(res) = res else { break };
                        let status = res.status();
                        let Ok(body) = res.json::<serde_json::Value>().await else {
                            break;
                        };
                        if status == 201 {
                            let key = body["key"].as_str().unwrap_or_default().to_string();
                            acknowledged.lock().unwrap().push((key, title));
                        } else {
                            failures.lock().unwrap().push(format!("{status}: {body}"));
                        }
                    }
                })
            })
            .collect();
        // Let them write a while, then kill the server mid-stream.
        tokio::time::sleep(Duration::from_millis(700 + 300 * round as u64)).await;
        server.kill().expect("SIGKILL");
        server.wait().unwrap();
        kills += 1;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            let _ = w.await;
        }
    }
    let failures = failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "writers were refused {} times, first: {:?}",
        failures.len(),
        failures.iter().take(3).collect::<Vec<_>>()
    );
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > WRITERS,
        "the writers made progress before the kills ({} acknowledged)",
        acknowledged.len()
    );
    for (key, title) in &acknowledged {
        let key: RequestKey = key.parse().expect("a request key");
        let row = t.db.request(key).await.unwrap();
        assert_eq!(
            row.map(|r| r.title).as_deref(),
            Some(title.as_str()),
            "{key}"
        );
    }
    eprintln!(
        "durable: {} submits acknowledged by {WRITERS} writers over {kills} kills, all there",
        acknowledged.len()
    );
    t.drop_db().await;
}
