//! Discord's rate limits as production meets them: the real serenity client reaches
//! `https://discord.com` through the fake's TLS interception (`https_proxy` + `ca_file`) with
//! its own rate limiter on, and the fake answers with the 429 bodies and `X-RateLimit-*`
//! headers Discord really sends, per channel bucket or global.

use std::time::Duration;

use serde_json::Value;
use supportbot::domain::ids::TicketId;
use tokio::time::Instant;

use super::{AGENT_ROLE, Rig, content, messages_path, posts_with, rig_intercepted};
use crate::fake_discord::{Call, FakeDiscord, dm, guild_message, user};

/// The `retry_after` the bursts announce, in seconds.
const RETRY: f64 = 2.0;

fn customer(i: usize) -> (Value, String) {
    (
        user(&format!("{}", 5300 + i), &format!("cust{i}"), false),
        format!("{}", 3300 + i),
    )
}

/// Opens tickets 1..=n, customer i writing from DM channel 330i; returns their staff threads.
async fn open_tickets(rig: &Rig, n: usize) -> Vec<String> {
    let mut threads = Vec::new();
    for i in 1..=n {
        let (who, channel) = customer(i);
        rig.fake.dispatch(
            "MESSAGE_CREATE",
            dm(
                &format!("{}", 2700 + i),
                &channel,
                &who,
                &format!("order {i} never arrived"),
            ),
        );
        let intro = format!("New question ticket #{i}");
        rig.fake
            .wait_for(&intro, |c| c.iter().any(|c| content(c).starts_with(&intro)))
            .await;
        threads.push(rig.staff_thread(i as i64).await);
    }
    threads
}

/// Waits up to `limit` until `pred` holds for the fake's calls.
async fn wait_long(
    fake: &FakeDiscord,
    limit: Duration,
    pred: impl Fn(&[Call]) -> bool,
) -> Vec<Call> {
    let start = Instant::now();
    loop {
        let calls = fake.calls();
        if pred(&calls) {
            return calls;
        }
        assert!(start.elapsed() < limit, "timed out after {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Message posts to `channel`, in the order they reached the fake.
fn posts<'a>(calls: &'a [Call], channel: &str) -> Vec<&'a Call> {
    let mut p: Vec<&Call> = calls
        .iter()
        .filter(|c| c.method == "POST" && c.path == messages_path(channel))
        .collect();
    p.sort_by_key(|c| c.at);
    p
}

/// Checks that after each 429 in `posts` the next request waited the whole announced time.
fn waited_after_each_429(posts: &[&Call], what: &str) {
    for pair in posts.windows(2) {
        let Some(announced) = pair[0].retry_after else {
            continue;
        };
        let gap = (pair[1].at - pair[0].at).as_secs_f64();
        assert!(
            gap >= announced - 0.05,
            "{what}: a request {gap:.3}s after a 429 that said {announced:.3}s"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_runs_through_the_tls_interception_with_the_limiter_on() {
    let rig = rig_intercepted("").await;
    let fake = &rig.fake;
    let thread = open_tickets(&rig, 1).await.remove(0);
    let (alice, channel) = customer(1);
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(
            "2790",
            &thread,
            &user("5100", "ann", false),
            &[AGENT_ROLE],
            "Which address is on the parcel?",
        ),
    );
    fake.wait_for("agent relay", |c| {
        posts_with(c, &channel, "Which address is on the parcel?") == 1
    })
    .await;
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2791", &channel, &alice, "the old office"),
    );
    let calls = fake
        .wait_for("customer relay", |c| {
            posts_with(c, &thread, "the old office") == 1
        })
        .await;
    // Every REST call, gateway discovery included, came over TLS through the proxy.
    assert!(calls.iter().any(|c| c.path == "/gateway/bot"));
    let plain: Vec<String> = calls
        .iter()
        .filter(|c| !c.tls)
        .map(|c| format!("{} {}", c.method, c.path))
        .collect();
    assert!(plain.is_empty(), "calls that bypassed the proxy: {plain:?}");
    let tunnels = fake.tunnels();
    assert!(!tunnels.is_empty());
    assert!(
        tunnels.iter().all(|t| t == "CONNECT discord.com:443"),
        "{tunnels:?}"
    );
    // A 429 is waited out inside serenity: one refusal, one retry after the announced time,
    // and the outlet sees a plain success.
    fake.burst_429(Duration::from_millis(1500), RETRY);
    fake.dispatch(
        "MESSAGE_CREATE",
        dm("2792", &channel, &alice, "second floor"),
    );
    let calls = fake
        .wait_for("the relay after the 429", |c| {
            posts(c, &thread)
                .iter()
                .any(|p| p.status == 200 && content(p).contains("second floor"))
        })
        .await;
    let tries: Vec<&Call> = posts(&calls, &thread)
        .into_iter()
        .filter(|p| content(p).contains("second floor"))
        .collect();
    assert_eq!(
        tries.iter().map(|p| p.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
    assert!(tries.iter().all(|p| p.tls));
    waited_after_each_429(&tries, "the relay");
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_channel_429_burst_holds_only_its_buckets_and_everything_lands_after_it() {
    let rig = rig_intercepted("").await;
    let fake = &rig.fake;
    let threads = open_tickets(&rig, 4).await;
    // A distant server, as Discord is.
    fake.set_latency(Duration::from_millis(30));
    let (limited, free) = (&threads[..3], &threads[3]);
    let names: Vec<&str> = limited.iter().map(String::as_str).collect();
    fake.burst_429_in(&names, Duration::from_secs(10), RETRY);
    let until = fake.burst_end().unwrap();
    for k in 1..=3 {
        for i in 1..=4 {
            let (who, channel) = customer(i);
            let id = format!("{}", 2800 + 10 * i + k);
            fake.dispatch(
                "MESSAGE_CREATE",
                dm(&id, &channel, &who, &format!("c{i} detail {k}")),
            );
        }
        // serenity runs each event handler in a task of its own, so two messages dispatched
        // back to back may be taken in either order; the next round waits until this one
        // is stored, so the order under test is the lanes' alone.
        for i in 1..=4 {
            let needle = format!("c{i} detail {k}");
            let start = Instant::now();
            while !rig
                .store
                .transcript(TicketId(i as i64))
                .await
                .unwrap()
                .iter()
                .any(|e| e.body.contains(&needle))
            {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "{needle} never stored"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    let calls = wait_long(fake, Duration::from_secs(40), |c| {
        threads.iter().enumerate().all(|(i, t)| {
            (1..=3).all(|k| {
                posts(c, t).iter().any(|p| {
                    p.status == 200 && content(p).contains(&format!("c{} detail {k}", i + 1))
                })
            })
        })
    })
    .await;
    // The free channel's bucket was never refused and was not held by the others.
    let free_posts = posts(&calls, free);
    let free_relays: Vec<&&Call> = free_posts
        .iter()
        .filter(|p| content(p).contains("c4 detail"))
        .collect();
    assert_eq!(free_relays.len(), 3);
    assert!(free_posts.iter().all(|p| p.status == 200));
    assert!(
        free_relays.iter().all(|p| p.at < until),
        "the unthrottled thread waited for the burst to end"
    );
    let mut last = until;
    for (i, t) in limited.iter().enumerate() {
        let ps: Vec<&Call> = posts(&calls, t)
            .into_iter()
            .filter(|p| content(p).contains(" detail "))
            .collect();
        let refused = ps.iter().filter(|p| p.status == 429).count();
        let delivered: Vec<usize> = ps
            .iter()
            .filter(|p| p.status == 200)
            .filter_map(|p| {
                (1..=3).find(|k| content(p).contains(&format!("c{} detail {k}", i + 1)))
            })
            .collect();
        assert_eq!(delivered, vec![1, 2, 3], "delivered once each, in order");
        // At most one request per retry_after while refused: a 10 s burst allows 5 windows.
        assert!((1..=5).contains(&refused), "{refused} refusals on {t}");
        waited_after_each_429(&ps, t);
        assert!(ps.iter().filter(|p| p.status == 200).all(|p| p.at >= until));
        last = last.max(ps.last().unwrap().at);
        println!("bucket {t}: {} requests ({refused} answered 429)", ps.len());
    }
    println!(
        "last message delivered {:.3}s after the burst ended",
        (last - until).as_secs_f64()
    );
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_429_holds_every_route_until_it_ends() {
    let rig = rig_intercepted("").await;
    let fake = &rig.fake;
    let threads = open_tickets(&rig, 2).await;
    fake.burst_429_global(Duration::from_secs(5), RETRY);
    let until = fake.burst_end().unwrap();
    let (c1, dm1) = customer(1);
    fake.dispatch("MESSAGE_CREATE", dm("2901", &dm1, &c1, "c1 global"));
    let calls = wait_long(fake, Duration::from_secs(10), |c| {
        c.iter().any(|c| c.status == 429)
    })
    .await;
    let first = calls.iter().find(|c| c.status == 429).unwrap().at;
    // A route that has not been refused yet is held too.
    let (c2, dm2) = customer(2);
    fake.dispatch("MESSAGE_CREATE", dm("2902", &dm2, &c2, "c2 global"));
    let calls = wait_long(fake, Duration::from_secs(30), |c| {
        posts_with(c, &threads[0], "c1 global") >= 1
            && posts_with(c, &threads[1], "c2 global") >= 1
            && posts(c, &threads[0])
                .last()
                .is_some_and(|p| p.status == 200)
            && posts(c, &threads[1])
                .last()
                .is_some_and(|p| p.status == 200)
    })
    .await;
    let second: Vec<&Call> = calls
        .iter()
        .filter(|c| c.at > first && c.method == "POST" && content(c).contains("c2 global"))
        .collect();
    assert!(
        (second[0].at - first).as_secs_f64() >= RETRY - 0.05,
        "the second lane sent {:.3}s after a global 429 of {RETRY}s",
        (second[0].at - first).as_secs_f64()
    );
    for t in &threads {
        let ps = posts(&calls, t);
        let ours: Vec<&Call> = ps
            .iter()
            .copied()
            .filter(|p| content(p).contains(" global"))
            .collect();
        waited_after_each_429(&ours, t);
        assert!(ours.iter().filter(|p| p.status == 200).count() == 1);
        assert!(ours.iter().all(|p| p.status == 429 || p.at >= until));
    }
    // Nothing but interaction responses got through while the global limit lasted.
    assert!(
        calls
            .iter()
            .filter(|c| c.at >= first && c.at < until)
            .all(|c| c.status == 429 || c.path.starts_with("/interactions/"))
    );
    rig.stop().await;
}
