//! The storage contract suite: the same checks against SQLite always and PostgreSQL when
//! configured, through the `TicketStore` port (and SQL only to observe the dedupe marks).

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use sqlx::Row;
use supportbot::domain::event::{
    Attachment, AttachmentKind, Inbound, InboundBody, Message, Outbound, Space, Target,
};
use supportbot::domain::ids::{
    AgentName, ConversationRef, MessageKey, Platform, TicketId, UserRef,
};
use supportbot::domain::lifecycle::NewTicket;
use supportbot::domain::ports::{
    Csat, FaqEvent, FaqOutcome, Handling, Recorded, StoreError, TicketFilter, TicketStore,
};
use supportbot::domain::ticket::{
    Actor, AuthorRole, EventKind, Priority, Status, Ticket, TicketEvent, TicketKind, Tier,
    TranscriptEntry,
};

use crate::db::{postgres_store, sqlite_store, sqlite_url};

fn user(id: &str) -> UserRef {
    UserRef::new(Platform::Telegram, id, format!("User {id} 🙂"))
}

fn new_ticket(who: &str, subject: &str) -> NewTicket {
    NewTicket {
        requester: user(who),
        conversation: ConversationRef::chat(Platform::Telegram, who),
        subject: subject.into(),
        kind: TicketKind::Question,
        priority: Priority::P3,
        tier: Tier::Pro,
        tags: vec!["a".into(), "out_of_support".into()],
        at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap(),
    }
}

fn entry(role: AuthorRole, body: &str, internal: bool) -> TranscriptEntry {
    TranscriptEntry {
        role,
        author: "x".into(),
        body: body.into(),
        internal,
        attachments: vec![],
        at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 31, 0).unwrap(),
    }
}

fn event(kind: EventKind) -> TicketEvent {
    TicketEvent {
        kind,
        actor: Actor::System,
        at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 32, 0).unwrap(),
    }
}

fn inbound(id: &str, text: &str) -> Inbound {
    Inbound {
        key: MessageKey::new(Platform::Telegram, id),
        at: Utc::now(),
        from: user("1"),
        roles: vec![],
        conversation: ConversationRef::chat(Platform::Telegram, "1"),
        space: Space::Customer,
        interaction: None,
        body: InboundBody::Text { text: text.into() },
        locale: None,
        community_locale: None,
    }
}

/// Every check of the port, run once per backend.
async fn contract(store: Arc<dyn TicketStore>) {
    // Inbound dedupe: the same key twice stores once; other platforms don't collide.
    assert!(store.record_inbound(&inbound("u1", "hi")).await.unwrap());
    assert!(
        !store
            .record_inbound(&inbound("u1", "hi again"))
            .await
            .unwrap()
    );
    // Finished, it stays a duplicate.
    store
        .finish_inbound(&inbound("u1", "hi").key, &[])
        .await
        .unwrap();
    assert!(!store.record_inbound(&inbound("u1", "hi")).await.unwrap());
    let mut other = inbound("u1", "hi");
    other.key.platform = Platform::Discord;
    assert!(store.record_inbound(&other).await.unwrap());
    assert!(
        store
            .record_inbound(&inbound("long", &"y".repeat(20_000)))
            .await
            .unwrap()
    );

    // Create, load, round-trip every field.
    let created = store
        .create_ticket(
            new_ticket("1", "Drucker 🖨 offline"),
            &[entry(AuthorRole::Customer, "first", false)],
            &[event(EventKind::Created {
                priority: Priority::P3,
                tier: Tier::Pro,
            })],
        )
        .await
        .unwrap();
    let loaded = store.ticket(created.id).await.unwrap().unwrap();
    assert_eq!(loaded, created);
    assert_eq!(loaded.status, Status::New);
    assert!(store.ticket(TicketId(9_999)).await.unwrap().is_none());

    // Save changes fields and appends, in order; internal notes keep their flag.
    let mut t = loaded.clone();
    t.claim(&AgentName("ann".into())).unwrap();
    t.set_priority(Priority::P1).unwrap();
    t.updated_at += Duration::minutes(3);
    let weird = "ctl\u{7}\u{1b}[0m tab\t nl\n 中文 🎉";
    store
        .save_ticket(
            &t,
            &[
                entry(AuthorRole::Agent, "note", true),
                entry(AuthorRole::Customer, weird, false),
                entry(AuthorRole::Customer, &"z".repeat(20_000), false),
            ],
            &[
                event(EventKind::Claimed {
                    agent: AgentName("ann".into()),
                }),
                event(EventKind::PriorityChanged {
                    from: Priority::P3,
                    to: Priority::P1,
                }),
            ],
        )
        .await
        .unwrap();
    assert_eq!(store.ticket(t.id).await.unwrap().unwrap(), t);
    let tr = store.transcript(t.id).await.unwrap();
    assert_eq!(
        tr.iter().map(|e| e.body.len()).collect::<Vec<_>>(),
        vec![5, 4, weird.len(), 20_000]
    );
    assert_eq!(tr[2].body, weird);
    assert!(tr[1].internal && !tr[0].internal);
    let ev = store.events(t.id).await.unwrap();
    assert_eq!(
        ev.iter().map(|e| e.kind.name()).collect::<Vec<_>>(),
        vec!["created", "claimed", "priority_changed"]
    );

    // Saving an unknown ticket is NotFound, not a silent no-op.
    let mut ghost = t.clone();
    ghost.id = TicketId(424_242);
    assert!(matches!(
        store.save_ticket(&ghost, &[], &[]).await,
        Err(StoreError::NotFound(_))
    ));
    // ... and writes none of the entries or events it carried.
    let ghost_event = ev[0].clone();
    assert!(matches!(
        store
            .save_ticket(
                &ghost,
                &[entry(AuthorRole::Customer, "lost?", false)],
                &[ghost_event]
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(store.transcript(ghost.id).await.unwrap().is_empty());
    assert!(store.events(ghost.id).await.unwrap().is_empty());
    assert_eq!(store.transcript(t.id).await.unwrap().len(), 4);

    // NUL, which PostgreSQL text rejects, is stored as a visible symbol instead of failing.
    store
        .save_ticket(&t, &[entry(AuthorRole::Customer, "nul\0byte", false)], &[])
        .await
        .unwrap();
    assert_eq!(
        store.transcript(t.id).await.unwrap().last().unwrap().body,
        "nul\u{2400}byte"
    );

    // Attachments survive.
    let att = Attachment {
        kind: AttachmentKind::Photo,
        platform: Platform::Telegram,
        file_ref: "AgAD".into(),
        source: Some((ConversationRef::chat(Platform::Telegram, "1"), "77".into())),
        name: Some("shot.png".into()),
    };
    let mut with_file = entry(AuthorRole::Customer, "see photo", false);
    with_file.attachments = vec![att.clone()];
    store.save_ticket(&t, &[with_file], &[]).await.unwrap();
    assert_eq!(
        store
            .transcript(t.id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .attachments,
        vec![att]
    );

    // Active ticket lookup ignores closed tickets and other people.
    assert_eq!(
        store
            .active_ticket_for(&user("1"))
            .await
            .unwrap()
            .unwrap()
            .id,
        t.id
    );
    assert!(store.active_ticket_for(&user("2")).await.unwrap().is_none());
    let mut closed = t.clone();
    closed.close("done").unwrap();
    store.save_ticket(&closed, &[], &[]).await.unwrap();
    assert!(store.active_ticket_for(&user("1")).await.unwrap().is_none());

    // Listing filters by status and assignee, newest first, with a limit.
    let second = store
        .create_ticket(new_ticket("2", "second"), &[], &[])
        .await
        .unwrap();
    let third = store
        .create_ticket(new_ticket("3", "third"), &[], &[])
        .await
        .unwrap();
    let all = store.list_tickets(&TicketFilter::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![third.id, second.id, t.id]
    );
    let new_only = store
        .list_tickets(&TicketFilter {
            statuses: vec![Status::New],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(new_only.len(), 2);
    let closed_or_new = store
        .list_tickets(&TicketFilter {
            statuses: vec![Status::New, Status::Closed],
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(closed_or_new.len(), 2);
    let anns = store
        .list_tickets(&TicketFilter {
            assignee: Some("ann".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(anns.iter().map(|t| t.id).collect::<Vec<_>>(), vec![t.id]);

    // The queue's view: active tickets only, oldest first, capped, each with its own events.
    store
        .save_ticket(&second, &[], &[event(EventKind::NoteAdded)])
        .await
        .unwrap();
    let active = store.active_tickets_with_events(None, 10).await.unwrap();
    assert_eq!(
        active
            .iter()
            .map(|(t, e)| (t.id, e.len()))
            .collect::<Vec<_>>(),
        vec![(second.id, 1), (third.id, 0)],
        "the closed ticket is not active"
    );
    let capped = store.active_tickets_with_events(None, 1).await.unwrap();
    assert_eq!(capped.len(), 1);
    assert_eq!((capped[0].0.id, capped[0].1.len()), (second.id, 1));
    assert!(
        store
            .active_tickets_with_events(Some("ann"), 10)
            .await
            .unwrap()
            .is_empty(),
        "ann's ticket is closed"
    );

    // Staff spaces map both ways, with and without a thread.
    let topic = ConversationRef::thread(Platform::Telegram, "-100", "55");
    let lobbyish = ConversationRef::chat(Platform::Discord, "9000");
    store.bind_staff_space(second.id, &topic).await.unwrap();
    store.bind_staff_space(third.id, &lobbyish).await.unwrap();
    assert_eq!(
        store
            .staff_space(second.id, Platform::Telegram)
            .await
            .unwrap(),
        Some(topic.clone())
    );
    assert_eq!(
        store
            .staff_space(third.id, Platform::Discord)
            .await
            .unwrap(),
        Some(lobbyish.clone())
    );
    assert_eq!(
        store
            .staff_space(second.id, Platform::Discord)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.ticket_for_staff_space(&topic).await.unwrap(),
        Some(second.id)
    );
    assert_eq!(
        store.ticket_for_staff_space(&lobbyish).await.unwrap(),
        Some(third.id)
    );
    assert_eq!(
        store
            .ticket_for_staff_space(&ConversationRef::chat(Platform::Telegram, "-100"))
            .await
            .unwrap(),
        None
    );
    // Two tickets can't claim the same thread.
    assert!(matches!(
        store.bind_staff_space(t.id, &topic).await,
        Err(StoreError::Conflict(_))
    ));

    // Licenses: a later key replaces an earlier one.
    let at = Utc::now();
    assert_eq!(store.license_of(&user("1")).await.unwrap(), None);
    store.register_license(&user("1"), "K-1", at).await.unwrap();
    store.register_license(&user("1"), "K-2", at).await.unwrap();
    assert_eq!(
        store.license_of(&user("1")).await.unwrap().as_deref(),
        Some("K-2")
    );

    // CSAT upsert.
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
    store
        .record_csat(&Csat {
            ticket: t.id,
            score: 2,
            comment: None,
            at,
        })
        .await
        .unwrap();
    store
        .record_csat(&Csat {
            ticket: t.id,
            score: 5,
            comment: Some("great ✨".into()),
            at,
        })
        .await
        .unwrap();
    assert_eq!(
        store.csat(t.id).await.unwrap(),
        Some(Csat {
            ticket: t.id,
            score: 5,
            comment: Some("great ✨".into()),
            at
        })
    );
    assert_eq!(store.csat(second.id).await.unwrap(), None);

    // FAQ events resolve exactly once.
    let ev = FaqEvent {
        id: 0,
        at,
        user: user("1"),
        conversation: ConversationRef::chat(Platform::Telegram, "1"),
        query: "reset password?".into(),
        article_id: Some("reset".into()),
        article_title: Some("Reset".into()),
        confidence: 0.75,
        outcome: FaqOutcome::Answered,
        ticket: None,
    };
    let id = store.record_faq_event(&ev).await.unwrap();
    let stored = store.faq_event(id).await.unwrap().unwrap();
    assert_eq!(FaqEvent { id, ..ev.clone() }, stored);
    assert!(
        store
            .resolve_faq_event(id, FaqOutcome::NeedHuman, Some(t.id))
            .await
            .unwrap()
    );
    assert!(
        !store
            .resolve_faq_event(id, FaqOutcome::Helpful, None)
            .await
            .unwrap()
    );
    let stored = store.faq_event(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.outcome, stored.ticket),
        (FaqOutcome::NeedHuman, Some(t.id))
    );
    assert!(store.faq_event(id + 1000).await.unwrap().is_none());

    // Small state: set, overwrite, delete.
    assert_eq!(store.get_state("tg.offset").await.unwrap(), None);
    store.set_state("tg.offset", Some("41")).await.unwrap();
    store.set_state("tg.offset", Some("42")).await.unwrap();
    assert_eq!(
        store.get_state("tg.offset").await.unwrap().as_deref(),
        Some("42")
    );
    store.set_state("tg.offset", None).await.unwrap();
    assert_eq!(store.get_state("tg.offset").await.unwrap(), None);
}

#[tokio::test]
async fn contract_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    contract(store).await;
}

#[tokio::test]
async fn contract_on_postgres() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    contract(store.clone()).await;
    store.close().await;
}

#[tokio::test]
async fn sqlite_state_survives_reconnect() {
    let (store, dir) = sqlite_store().await;
    let t = store
        .create_ticket(
            new_ticket("1", "persist me"),
            &[entry(AuthorRole::Customer, "hello", false)],
            &[],
        )
        .await
        .unwrap();
    store.record_inbound(&inbound("m-1", "x")).await.unwrap();
    store
        .finish_inbound(&inbound("m-1", "x").key, &[])
        .await
        .unwrap();
    // m-2 is stored but never finished, as when the process dies while handling it.
    store.record_inbound(&inbound("m-2", "y")).await.unwrap();
    store.close().await;
    drop(store);
    let again = supportbot::storage::connect(&sqlite_url(&dir), 2)
        .await
        .unwrap();
    assert_eq!(
        again.ticket(t.id).await.unwrap().unwrap().subject,
        "persist me"
    );
    assert_eq!(again.transcript(t.id).await.unwrap().len(), 1);
    assert!(
        !again.record_inbound(&inbound("m-1", "x")).await.unwrap(),
        "dedupe key survived"
    );
    assert!(
        again.record_inbound(&inbound("m-2", "y")).await.unwrap(),
        "an unfinished message is handled again after a restart"
    );
    assert!(!again.record_inbound(&inbound("m-2", "y")).await.unwrap());
}

#[tokio::test]
async fn unknown_scheme_is_a_clear_error() {
    let err = supportbot::storage::connect("mysql://root@localhost/db", 1)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown database URL scheme `mysql`"), "{err}");
}

#[tokio::test]
async fn postgres_instances_number_tickets_without_collisions() {
    let Some((a, db)) = postgres_store().await else {
        return;
    };
    let b = Arc::new(supportbot::storage::connect(&db.url, 4).await.unwrap());
    let mut handles = Vec::new();
    for i in 0..20 {
        let s: Arc<dyn TicketStore> = if i % 2 == 0 { a.clone() } else { b.clone() };
        handles.push(tokio::spawn(async move {
            s.create_ticket(new_ticket(&i.to_string(), "race"), &[], &[])
                .await
                .unwrap()
                .id
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    a.close().await;
    b.close().await;
}

/// A ticket write given the inbound event's key marks it handled in the same transaction, and
/// only when the write happens.
async fn handled_with_the_write(store: Arc<supportbot::storage::SqlStore>) {
    let handled_at = |id: &'static str| {
        let store = store.clone();
        async move {
            sqlx::query(
                "SELECT handled_at FROM inbound WHERE platform = 'telegram' AND message_id = $1",
            )
            .bind(id)
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get::<Option<i64>, _>(0)
        }
    };
    for id in ["w-1", "w-2", "w-3"] {
        assert!(store.record_inbound(&inbound(id, "x")).await.unwrap());
    }
    let said = |t: &Ticket| -> (Vec<TranscriptEntry>, Vec<Outbound>) {
        let mut e = entry(AuthorRole::Bot, &format!("opened {}", t.id), false);
        e.at = t.created_at;
        (
            vec![e],
            vec![
                Outbound::Send {
                    to: Target::Conversation(t.conversation.clone()),
                    message: Message::text(format!("ticket {}", t.id)),
                },
                Outbound::Ack {
                    interaction: "i-1".into(),
                    text: None,
                    alert: false,
                },
            ],
        )
    };
    let created = store
        .create_ticket_handling(
            new_ticket("1", "made by w-1"),
            &[],
            &[],
            Some((&inbound("w-1", "x").key, &said)),
        )
        .await
        .unwrap();
    let t = created.ticket.clone();
    assert!(handled_at("w-1").await.is_some());
    assert_eq!(created.actions.len(), 2, "built from the numbered ticket");
    assert_eq!(created.outbox_ids.len(), 1, "the ack is not kept");
    assert_eq!(store.transcript(t.id).await.unwrap().len(), 1);
    let outbox_rows = || async {
        sqlx::query("SELECT COUNT(*) FROM outbox")
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get::<i64, _>(0)
    };
    assert_eq!(outbox_rows().await, 1);
    let mut ghost = t.clone();
    ghost.id = TicketId(777_777);
    let relay = [Outbound::Send {
        to: Target::Conversation(t.conversation.clone()),
        message: Message::text("relayed"),
    }];
    assert!(matches!(
        store
            .save_ticket_handling(
                &ghost,
                &[],
                &[],
                Some(Handling {
                    key: &inbound("w-2", "x").key,
                    actions: &relay,
                })
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(handled_at("w-2").await.is_none(), "no write, no mark");
    assert_eq!(outbox_rows().await, 1, "no write, no outbox row");
    let ids = store
        .save_ticket_handling(
            &t,
            &[entry(AuthorRole::Customer, "more", false)],
            &[],
            Some(Handling {
                key: &inbound("w-3", "x").key,
                actions: &relay,
            }),
        )
        .await
        .unwrap();
    assert!(handled_at("w-3").await.is_some());
    assert_eq!(ids.len(), 1);
    assert_eq!(outbox_rows().await, 2);
    assert_eq!(store.transcript(t.id).await.unwrap().len(), 2);
    // Several actions: one row each, ids in the order the desk decided them.
    let two = [
        Outbound::Send {
            to: Target::Conversation(t.conversation.clone()),
            message: Message::text("first of two"),
        },
        Outbound::Send {
            to: Target::Conversation(t.conversation.clone()),
            message: Message::text("second of two"),
        },
    ];
    let ids = store
        .save_ticket_handling(
            &t,
            &[],
            &[],
            Some(Handling {
                key: &inbound("w-5", "x").key,
                actions: &two,
            }),
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1], "{ids:?}");
    for (id, text) in ids.iter().zip(["first of two", "second of two"]) {
        let action: String = sqlx::query("SELECT action FROM outbox WHERE id = $1")
            .bind(*id)
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get(0);
        assert!(action.contains(text), "{id}: {action}");
    }
    assert_eq!(outbox_rows().await, 4);
    // An event finished without a ticket write stores its actions the same way.
    assert!(store.record_inbound(&inbound("w-4", "x")).await.unwrap());
    let ids = store
        .finish_inbound(&inbound("w-4", "x").key, &relay)
        .await
        .unwrap();
    assert_eq!(ids.len(), 1);
    assert!(handled_at("w-4").await.is_some());
    assert_eq!(outbox_rows().await, 5);
}

#[tokio::test]
async fn sqlite_handled_with_the_write() {
    let (store, _dir) = sqlite_store().await;
    handled_with_the_write(store).await;
}

#[tokio::test]
async fn postgres_handled_with_the_write() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    handled_with_the_write(store).await;
}

/// Storing an inbound event also loads the sender's active ticket (and only theirs, only an
/// active one); a duplicate loads nothing.
async fn recorded_with_sender_ticket(store: Arc<supportbot::storage::SqlStore>) {
    let fresh = store
        .record_inbound_with_sender_ticket(&inbound("s-1", "hello"))
        .await
        .unwrap();
    assert_eq!(
        fresh,
        Recorded::New {
            sender_ticket: None
        }
    );
    let mut other = inbound("s-2", "not mine");
    other.from = user("2");
    store
        .create_ticket(new_ticket("2", "theirs"), &[], &[])
        .await
        .unwrap();
    let mut mine = store
        .create_ticket(new_ticket("1", "mine"), &[], &[])
        .await
        .unwrap();
    assert_eq!(
        store
            .record_inbound_with_sender_ticket(&inbound("s-3", "again"))
            .await
            .unwrap(),
        Recorded::New {
            sender_ticket: Some(mine.clone())
        }
    );
    assert_eq!(
        store
            .record_inbound_with_sender_ticket(&inbound("s-3", "again"))
            .await
            .unwrap(),
        Recorded::Duplicate
    );
    mine.close("done").unwrap();
    store.save_ticket(&mine, &[], &[]).await.unwrap();
    assert_eq!(
        store
            .record_inbound_with_sender_ticket(&inbound("s-4", "after close"))
            .await
            .unwrap(),
        Recorded::New {
            sender_ticket: None
        }
    );
}

#[tokio::test]
async fn sqlite_recorded_with_sender_ticket() {
    let (store, _dir) = sqlite_store().await;
    recorded_with_sender_ticket(store).await;
}

#[tokio::test]
async fn postgres_recorded_with_sender_ticket() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    recorded_with_sender_ticket(store).await;
}

/// Saves keep the indexed fields (status, active, assignee, the SLA dirty flag) right when they
/// change and when they don't, so the queue, the requester lookup and the sweeper see them.
async fn saves_keep_indexed_fields(store: Arc<supportbot::storage::SqlStore>) {
    let dirty = |id: TicketId| {
        let store = store.clone();
        async move {
            sqlx::query("SELECT sla_dirty FROM tickets WHERE id = $1")
                .bind(id.0)
                .fetch_one(store.pool())
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    let ann = AgentName("ann".into());
    let mut t = store
        .create_ticket(new_ticket("1", "s"), &[], &[])
        .await
        .unwrap();
    let listed = |statuses: Vec<Status>, assignee: Option<&str>| {
        let store = store.clone();
        let filter = TicketFilter {
            statuses,
            assignee: assignee.map(String::from),
            limit: None,
        };
        async move {
            store
                .list_tickets(&filter)
                .await
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        }
    };
    sqlx::query("UPDATE tickets SET sla_dirty = 0")
        .execute(store.pool())
        .await
        .unwrap();
    t.claim(&ann).unwrap();
    store.save_ticket(&t, &[], &[]).await.unwrap();
    assert_eq!(
        dirty(t.id).await,
        1,
        "a save marks the SLA clocks for recomputation"
    );
    assert_eq!(listed(vec![Status::Open], Some("ann")).await, vec![t.id]);
    // A save that changes no indexed field leaves them as they were.
    t.subject = "renamed".into();
    store.save_ticket(&t, &[], &[]).await.unwrap();
    assert_eq!(store.ticket(t.id).await.unwrap().unwrap(), t);
    assert_eq!(listed(vec![Status::Open], Some("ann")).await, vec![t.id]);
    t.set_status(Status::Pending).unwrap();
    t.unclaim(&ann, true).unwrap();
    store.save_ticket(&t, &[], &[]).await.unwrap();
    assert_eq!(store.ticket(t.id).await.unwrap().unwrap(), t);
    assert!(listed(vec![], Some("ann")).await.is_empty());
    assert_eq!(listed(vec![t.status], None).await, vec![t.id]);
    assert!(t.status.is_active());
    assert_eq!(
        store.active_ticket_for(&user("1")).await.unwrap(),
        Some(t.clone())
    );
    t.close("done").unwrap();
    store.save_ticket(&t, &[], &[]).await.unwrap();
    assert_eq!(store.active_ticket_for(&user("1")).await.unwrap(), None);
    assert_eq!(listed(vec![Status::Closed], None).await, vec![t.id]);
}

#[tokio::test]
async fn sqlite_saves_keep_indexed_fields() {
    let (store, _dir) = sqlite_store().await;
    saves_keep_indexed_fields(store).await;
}

#[tokio::test]
async fn postgres_saves_keep_indexed_fields() {
    let Some((store, _db)) = postgres_store().await else {
        return;
    };
    saves_keep_indexed_fields(store).await;
}
