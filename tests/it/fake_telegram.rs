//! A fake Telegram Bot API on 127.0.0.1 for the real teloxide client: scripted `getUpdates`,
//! a record of every call, forum topics, and 429 answers on demand.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

/// One recorded API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// Method name, lowercased (teloxide sends PascalCase; Telegram ignores case).
    pub method: String,
    /// JSON body.
    pub body: Value,
    /// False when the fake answered with an error (e.g. 429).
    pub ok: bool,
    /// When the fake received it.
    pub at: tokio::time::Instant,
}

#[derive(Default)]
struct Inner {
    updates: VecDeque<Value>,
    next_update: i64,
    calls: Vec<Call>,
    next_message: i64,
    next_thread: i64,
    fail_sends: usize,
    retry_after: u64,
    /// While set, every call but polling answers 502, as during an outage.
    down: bool,
    admins: Vec<i64>,
    /// createForumTopic calls still to refuse.
    refuse_topics: usize,
    /// Forum topics by thread id: (name, closed).
    topics: std::collections::HashMap<i64, (String, bool)>,
    /// How long every call but polling takes, as a distant server's would.
    latency: Duration,
    /// Until then every sendMessage is answered 429 with `retry_after`.
    burst_until: Option<tokio::time::Instant>,
    /// When set, calls with another token are answered 401 Unauthorized.
    token: Option<String>,
    /// `getMe`'s `can_read_all_group_messages` (privacy mode off).
    reads_all: bool,
    /// The webhook URL `getWebhookInfo` reports (set by setWebhook, cleared by deleteWebhook).
    webhook: String,
    /// `getChat` answers: a chat object, or `None` for "chat not found"; unlisted chats get
    /// the default shape (negative ids: a forum supergroup).
    chats: std::collections::HashMap<i64, Option<Value>>,
    /// `getChatMember` for the bot itself; default: an administrator who may manage topics.
    bot_member: Option<Value>,
    /// `getUpdates` requests being answered now (Telegram allows one per token).
    polling: usize,
    /// When each `getUpdates` that was let through started.
    poll_starts: Vec<tokio::time::Instant>,
    /// `getUpdates` requests answered 409 Conflict because another one was in progress.
    conflicts: usize,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeTelegram {
    /// Base URL for `Bot::set_api_url`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeTelegram {
    /// Starts the fake on a free port.
    pub async fn start() -> FakeTelegram {
        let inner = Arc::new(Mutex::new(Inner {
            next_update: 1,
            next_message: 1000,
            next_thread: 500,
            ..Inner::default()
        }));
        let app = axum::Router::new()
            .route("/{bot}/{method}", post(handle))
            .route("/file/{bot}/{path}", axum::routing::get(download))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeTelegram { url, inner }
    }

    /// Queues an update (`{"message": …}` or `{"callback_query": …}`) and returns its id.
    pub fn push(&self, mut update: Value) -> i64 {
        let mut s = self.inner.lock().unwrap();
        let id = s.next_update;
        s.next_update += 1;
        update["update_id"] = json!(id);
        s.updates.push_back(update);
        id
    }

    /// Makes the next `n` sendMessage calls fail with 429 and `retry_after` seconds.
    pub fn fail_sends(&self, n: usize, retry_after: u64) {
        let mut s = self.inner.lock().unwrap();
        s.fail_sends = n;
        s.retry_after = retry_after;
    }

    /// Makes every call but polling take `latency` before it is answered.
    #[allow(
        dead_code,
        reason = "used by benches/pace.rs, which includes this file"
    )]
    pub fn set_latency(&self, latency: Duration) {
        self.inner.lock().unwrap().latency = latency;
    }

    /// Answers every sendMessage with 429 and `retry_after` seconds for the next `length`.
    pub fn burst_429(&self, length: Duration, retry_after: u64) {
        let mut s = self.inner.lock().unwrap();
        s.burst_until = Some(tokio::time::Instant::now() + length);
        s.retry_after = retry_after;
    }

    /// Makes every call but polling fail with 502 (true) or work again (false).
    pub fn set_down(&self, down: bool) {
        self.inner.lock().unwrap().down = down;
    }

    /// Makes the next `n` createForumTopic calls fail (as when the bot lacks the right).
    pub fn refuse_topics(&self, n: usize) {
        self.inner.lock().unwrap().refuse_topics = n;
    }

    /// Sets who `getChatAdministrators` lists (the first is the group's owner).
    pub fn set_admins(&self, users: &[i64]) {
        self.inner.lock().unwrap().admins = users.to_vec();
    }

    /// Answers calls made with any other token 401 Unauthorized.
    pub fn require_token(&self, token: &str) {
        self.inner.lock().unwrap().token = Some(token.to_string());
    }

    /// Sets whether `getMe` says the bot reads all group messages (privacy mode off).
    pub fn set_reads_all(&self, on: bool) {
        self.inner.lock().unwrap().reads_all = on;
    }

    /// Sets the webhook URL `getWebhookInfo` reports.
    pub fn set_webhook(&self, url: &str) {
        self.inner.lock().unwrap().webhook = url.to_string();
    }

    /// What `getChat` answers for `id`: a chat object, or `None` for "chat not found".
    pub fn set_chat(&self, id: i64, chat: Option<Value>) {
        self.inner.lock().unwrap().chats.insert(id, chat);
    }

    /// What `getChatMember` answers about the bot (a ChatMember object).
    pub fn set_bot_member(&self, member: Value) {
        self.inner.lock().unwrap().bot_member = Some(member);
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Successful calls of one method.
    pub fn ok_calls(&self, method: &str) -> Vec<Value> {
        let m = method.to_lowercase();
        self.calls()
            .into_iter()
            .filter(|c| c.ok && c.method == m)
            .map(|c| c.body)
            .collect()
    }

    /// Successful sendMessage texts to a chat.
    pub fn texts_to(&self, chat: i64) -> Vec<String> {
        self.ok_calls("sendMessage")
            .into_iter()
            .filter(|b| b["chat_id"] == json!(chat))
            .map(|b| b["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// `getUpdates` requests answered 409 Conflict (a second consumer polled meanwhile).
    pub fn poll_conflicts(&self) -> usize {
        self.inner.lock().unwrap().conflicts
    }

    /// When each `getUpdates` let through (not answered 409) started.
    pub fn poll_starts(&self) -> Vec<tokio::time::Instant> {
        self.inner.lock().unwrap().poll_starts.clone()
    }

    /// Waits (up to 20 s) until `pred` holds, polling the recorded calls.
    pub async fn wait_until(&self, what: &str, pred: impl Fn(&FakeTelegram) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !pred(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; calls: {:#?}",
                self.calls()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The bytes the fake serves for a file id.
pub fn file_bytes(file_id: &str) -> Vec<u8> {
    format!("contents of {file_id}\n").into_bytes()
}

/// `GET /file/bot<token>/<path>`: a file's download, for the bot's token only. teloxide sends
/// the path as one segment (its `/` percent-encoded), which Telegram accepts.
async fn download(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((bot, path)): Path<(String, String)>,
) -> (StatusCode, Vec<u8>) {
    let Some(id) = path.strip_prefix("documents/") else {
        return (StatusCode::NOT_FOUND, Vec::new());
    };
    let wanted = inner.lock().unwrap().token.clone();
    if wanted.is_some_and(|t| bot != format!("bot{t}")) {
        return (StatusCode::UNAUTHORIZED, Vec::new());
    }
    (StatusCode::OK, file_bytes(id))
}

fn ok(result: Value) -> (StatusCode, Json<Value>) {
    (StatusCode::OK, Json(json!({"ok": true, "result": result})))
}

/// The text fields of a multipart/form-data body (teloxide sends `setWebhook` that way, as it
/// may carry a certificate) as a JSON object; `null` when the body is neither JSON nor multipart.
fn multipart_fields(body: &str) -> Value {
    let Some(boundary) = body.lines().next().filter(|l| l.starts_with("--")) else {
        return Value::Null;
    };
    let mut fields = serde_json::Map::new();
    for part in body.split(boundary.trim_end()) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head
            .split("name=\"")
            .nth(1)
            .and_then(|r| r.split('"').next());
        if let Some(name) = name {
            fields.insert(name.to_string(), json!(value.trim_end_matches("\r\n")));
            // An uploaded file: its name, so tests can see what was sent.
            if let Some(file) = head
                .split("filename=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
            {
                fields.insert(format!("{name}_filename"), json!(file));
            }
        }
    }
    // teloxide names an upload `attach://ID` and sends the file as the part called ID.
    let attached: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.clone(),
                v.as_str()?.strip_prefix("attach://")?.to_string(),
            ))
        })
        .collect();
    for (field, part) in attached {
        if let Some(file) = fields.get(&part).cloned() {
            fields.insert(field.clone(), file);
        }
        if let Some(name) = fields.get(&format!("{part}_filename")).cloned() {
            fields.insert(format!("{field}_filename"), name);
        }
    }
    Value::Object(fields)
}

/// A 400 answer; the call just recorded is marked as failed.
fn bad_request(s: &mut Inner, description: &str) -> (StatusCode, Json<Value>) {
    if let Some(last) = s.calls.last_mut() {
        last.ok = false;
    }
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"ok": false, "error_code": 400, "description": description})),
    )
}

fn chat(id: i64) -> Value {
    if id < 0 {
        json!({"id": id, "type": "supergroup", "title": "Staff", "is_forum": true})
    } else {
        json!({"id": id, "type": "private", "first_name": "User"})
    }
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((bot, method)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    // An uploaded photo is binary inside the multipart body; its text fields are what matter.
    let body = String::from_utf8_lossy(&body).into_owned();
    let method = method.to_lowercase();
    let wanted = inner.lock().unwrap().token.clone();
    if wanted.is_some_and(|t| bot != format!("bot{t}")) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        );
    }
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| multipart_fields(&body));
    if method == "getupdates" {
        return get_updates(inner, body).await;
    }
    let at = tokio::time::Instant::now();
    let latency = inner.lock().unwrap().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut s = inner.lock().unwrap();
    let polling = matches!(
        method.as_str(),
        "getme" | "getwebhookinfo" | "deletewebhook" | "setmycommands"
    );
    if s.down && !polling {
        s.calls.push(Call {
            method,
            body,
            ok: false,
            at,
        });
        return (
            StatusCode::BAD_GATEWAY,
            Json(json!({"ok": false, "error_code": 502, "description": "Bad Gateway"})),
        );
    }
    let bursting = s.burst_until.is_some_and(|end| at < end);
    if method == "sendmessage" && (s.fail_sends > 0 || bursting) {
        s.fail_sends = s.fail_sends.saturating_sub(usize::from(!bursting));
        let retry = s.retry_after;
        s.calls.push(Call {
            method,
            body,
            ok: false,
            at,
        });
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(
                json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {retry}"), "parameters": {"retry_after": retry}}),
            ),
        );
    }
    s.calls.push(Call {
        method: method.clone(),
        body: body.clone(),
        ok: true,
        at,
    });
    let bot_user =
        json!({"id": 1, "is_bot": true, "first_name": "Support", "username": "support_bot"});
    match method.as_str() {
        "getme" => ok(
            json!({"id": 1, "is_bot": true, "first_name": "Support", "username": "support_bot",
            "can_join_groups": true, "can_read_all_group_messages": s.reads_all, "supports_inline_queries": false, "has_main_web_app": false}),
        ),
        "getwebhookinfo" => ok(
            json!({"url": s.webhook, "has_custom_certificate": false, "pending_update_count": 0}),
        ),
        "deletewebhook" => {
            s.webhook.clear();
            ok(json!(true))
        }
        "setwebhook" => {
            s.webhook = body["url"].as_str().unwrap_or_default().to_string();
            ok(json!(true))
        }
        "setmycommands" | "answercallbackquery" => ok(json!(true)),
        // Every file id names a file; its content is derived from the id (see `file_bytes`).
        "getfile" => {
            let id = body["file_id"].as_str().unwrap_or_default().to_string();
            ok(json!({"file_id": id, "file_unique_id": format!("u-{id}"),
                "file_size": file_bytes(&id).len(), "file_path": format!("documents/{id}")}))
        }
        "getchat" => {
            let id = body["chat_id"].as_i64().unwrap_or_default();
            match s.chats.get(&id).cloned() {
                Some(Some(c)) => ok(c),
                Some(None) => bad_request(&mut s, "Bad Request: chat not found"),
                None => ok(chat(id)),
            }
        }
        "getchatmember" => {
            let user = body["user_id"].as_i64().unwrap_or_default();
            let member = match (&s.bot_member, user == 1) {
                (Some(m), true) => m.clone(),
                (None, true) => json!({"status": "administrator", "user": bot_user,
                    "can_be_edited": false, "is_anonymous": false, "can_manage_chat": true,
                    "can_delete_messages": true, "can_manage_video_chats": false,
                    "can_restrict_members": false, "can_promote_members": false,
                    "can_change_info": false, "can_invite_users": true, "can_manage_topics": true}),
                (_, false) => json!({"status": "member",
                    "user": {"id": user, "is_bot": false, "first_name": format!("User{user}")}}),
            };
            ok(member)
        }
        // Like Telegram, a change to the state a topic already has is rejected.
        "editforumtopic" | "closeforumtopic" | "reopenforumtopic" => {
            let thread = body["message_thread_id"].as_i64().unwrap_or_default();
            let Some(topic) = s.topics.get_mut(&thread) else {
                return bad_request(&mut s, "Bad Request: TOPIC_ID_INVALID");
            };
            let changed = if method == "editforumtopic" {
                let name = body["name"].as_str().unwrap_or_default().to_string();
                let changed = topic.0 != name;
                topic.0 = name;
                changed
            } else {
                let closed = method == "closeforumtopic";
                let changed = topic.1 != closed;
                topic.1 = closed;
                changed
            };
            if changed {
                ok(json!(true))
            } else {
                bad_request(&mut s, "Bad Request: TOPIC_NOT_MODIFIED")
            }
        }
        "sendmessage" => {
            s.next_message += 1;
            let chat_id = body["chat_id"].as_i64().unwrap_or_default();
            let mut m = json!({"message_id": s.next_message, "date": 1_700_000_000, "chat": chat(chat_id), "from": bot_user, "text": body["text"]});
            if let Some(t) = body.get("message_thread_id") {
                m["message_thread_id"] = t.clone();
            }
            ok(m)
        }
        // Uploads come as multipart, whose fields are all text.
        "sendphoto" => {
            s.next_message += 1;
            let chat_id = body["chat_id"]
                .as_str()
                .and_then(|c| c.parse::<i64>().ok())
                .or_else(|| body["chat_id"].as_i64())
                .unwrap_or_default();
            let photo = json!([{"file_id": format!("photo-{}", s.next_message), "file_unique_id": "u", "width": 480, "height": 240}]);
            ok(
                json!({"message_id": s.next_message, "date": 1_700_000_000, "chat": chat(chat_id), "from": bot_user, "photo": photo, "caption": body["caption"]}),
            )
        }
        "getchatadministrators" => {
            let members: Vec<Value> = s
                .admins
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let user = json!({"id": id, "is_bot": false, "first_name": format!("Admin{id}")});
                    if i == 0 {
                        json!({"status": "creator", "user": user, "is_anonymous": false})
                    } else {
                        json!({"status": "administrator", "user": user, "is_anonymous": false,
                            "can_be_edited": false, "can_manage_chat": true, "can_change_info": false,
                            "can_delete_messages": true, "can_manage_video_chats": false,
                            "can_invite_users": true, "can_restrict_members": false,
                            "can_promote_members": false, "can_manage_topics": true})
                    }
                })
                .collect();
            ok(json!(members))
        }
        "editmessagereplymarkup" => {
            let chat_id = body["chat_id"].as_i64().unwrap_or_default();
            ok(
                json!({"message_id": body["message_id"], "date": 1_700_000_000, "chat": chat(chat_id),
                "from": bot_user, "text": "…"}),
            )
        }
        "copymessage" => {
            s.next_message += 1;
            ok(json!({"message_id": s.next_message}))
        }
        "createforumtopic" if s.refuse_topics > 0 => {
            s.refuse_topics -= 1;
            bad_request(&mut s, "Bad Request: not enough rights to create a topic")
        }
        "createforumtopic" => {
            s.next_thread += 1;
            let (thread, name) = (s.next_thread, body["name"].as_str().unwrap_or_default());
            s.topics.insert(thread, (name.to_string(), false));
            ok(
                json!({"message_thread_id": s.next_thread, "name": body["name"], "icon_color": 7_322_096}),
            )
        }
        other => (
            StatusCode::NOT_FOUND,
            Json(
                json!({"ok": false, "error_code": 404, "description": format!("Not Found: {other}")}),
            ),
        ),
    }
}

/// Marks a `getUpdates` as in progress until dropped (also when the client hangs up).
struct Polling(Arc<Mutex<Inner>>);

impl Drop for Polling {
    fn drop(&mut self) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        s.polling = s.polling.saturating_sub(1);
    }
}

async fn get_updates(inner: Arc<Mutex<Inner>>, body: Value) -> (StatusCode, Json<Value>) {
    // Like Telegram: while one consumer's long poll is open, a second is refused with 409.
    let _polling = {
        let mut s = inner.lock().unwrap();
        if s.polling > 0 {
            s.conflicts += 1;
            s.calls.push(Call {
                method: "getupdates".into(),
                body,
                ok: false,
                at: tokio::time::Instant::now(),
            });
            return (
                StatusCode::CONFLICT,
                Json(
                    json!({"ok": false, "error_code": 409, "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}),
                ),
            );
        }
        s.polling += 1;
        s.poll_starts.push(tokio::time::Instant::now());
        Polling(inner.clone())
    };
    let offset = body["offset"].as_i64().unwrap_or(0);
    let limit = body["limit"].as_u64().unwrap_or(100) as usize;
    // Hold the long poll briefly (well under teloxide's client timeout) when nothing is queued.
    for _ in 0..15 {
        {
            let mut s = inner.lock().unwrap();
            s.calls.push(Call {
                method: "getupdates".into(),
                body: body.clone(),
                ok: true,
                at: tokio::time::Instant::now(),
            });
            // Like Telegram: updates below the offset are confirmed and forgotten.
            while s
                .updates
                .front()
                .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
            {
                s.updates.pop_front();
            }
            if !s.updates.is_empty() {
                let batch: Vec<Value> = s.updates.iter().take(limit).cloned().collect();
                return ok(Value::Array(batch));
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ok(json!([]))
}

/// A private-chat text message update from `user`.
pub fn private_text(user: i64, name: &str, message_id: i64, text: &str) -> Value {
    json!({"message": {"message_id": message_id, "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": name},
        "from": {"id": user, "is_bot": false, "first_name": name}, "text": text}})
}

/// A private-chat photo (with a caption) from `user`.
pub fn private_photo(user: i64, name: &str, message_id: i64, file_id: &str) -> Value {
    json!({"message": {"message_id": message_id, "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": name},
        "from": {"id": user, "is_bot": false, "first_name": name},
        "photo": [{"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "width": 640, "height": 480, "file_size": 1234}],
        "caption": "the error dialog"}})
}

/// A document posted by `user` in a staff-group forum topic.
pub fn topic_document(
    staff_chat: i64,
    thread: i64,
    user: i64,
    message_id: i64,
    file_id: &str,
) -> Value {
    json!({"message": {"message_id": message_id, "date": 1_700_000_000, "message_thread_id": thread, "is_topic_message": true,
        "chat": {"id": staff_chat, "type": "supergroup", "title": "Staff", "is_forum": true},
        "from": {"id": user, "is_bot": false, "first_name": "Ann"},
        "document": {"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "file_name": "fix.patch", "file_size": 99}}})
}

/// A text message from `user` in a staff-group forum topic.
pub fn topic_text(
    staff_chat: i64,
    thread: i64,
    user: i64,
    name: &str,
    message_id: i64,
    text: &str,
) -> Value {
    json!({"message": {"message_id": message_id, "date": 1_700_000_000, "message_thread_id": thread, "is_topic_message": true,
        "chat": {"id": staff_chat, "type": "supergroup", "title": "Staff", "is_forum": true},
        "from": {"id": user, "is_bot": false, "first_name": name}, "text": text}})
}

/// A button press by `user` on a message in `chat` (optionally in a topic).
pub fn press(id: &str, user: i64, name: &str, chat: i64, thread: Option<i64>, data: &str) -> Value {
    let chat_json = if chat < 0 {
        json!({"id": chat, "type": "supergroup", "title": "Staff", "is_forum": true})
    } else {
        json!({"id": chat, "type": "private", "first_name": name})
    };
    let mut message = json!({"message_id": 1, "date": 1_700_000_000, "chat": chat_json,
        "from": {"id": 1, "is_bot": true, "first_name": "Support"}, "text": "…"});
    if let Some(t) = thread {
        message["message_thread_id"] = json!(t);
        message["is_topic_message"] = json!(true);
    }
    json!({"callback_query": {"id": id, "chat_instance": "ci", "from": {"id": user, "is_bot": false, "first_name": name},
        "data": data, "message": message}})
}

/// A voice message from `user` in a private chat.
pub fn private_voice(user: i64, name: &str, message_id: i64, file_id: &str) -> Value {
    json!({"message": {"message_id": message_id, "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": name},
        "from": {"id": user, "is_bot": false, "first_name": name},
        "voice": {"file_id": file_id, "file_unique_id": format!("u-{file_id}"), "duration": 4, "mime_type": "audio/ogg", "file_size": 5000}}})
}

/// A reply by `user` in a staff supergroup without topics: Telegram gives replies the thread id
/// of the message they answer.
pub fn thread_reply(
    staff_chat: i64,
    root: i64,
    user: i64,
    name: &str,
    message_id: i64,
    text: &str,
) -> Value {
    let group = json!({"id": staff_chat, "type": "supergroup", "title": "Staff"});
    json!({"message": {"message_id": message_id, "date": 1_700_000_000, "message_thread_id": root,
        "chat": group,
        "reply_to_message": {"message_id": root, "date": 1_700_000_000, "chat": group,
            "from": {"id": 1, "is_bot": true, "first_name": "Support"}, "text": "ticket"},
        "from": {"id": user, "is_bot": false, "first_name": name}, "text": text}})
}

/// `user` edits their private message `message_id` to `text` at `edit_date`.
pub fn private_edit(user: i64, name: &str, message_id: i64, edit_date: i64, text: &str) -> Value {
    let mut u = private_text(user, name, message_id, text);
    u["message"]["edit_date"] = json!(edit_date);
    json!({"edited_message": u["message"]})
}

/// `user` edits their message `message_id` in a staff-group forum topic.
pub fn topic_edit(
    staff_chat: i64,
    thread: i64,
    user: i64,
    name: &str,
    message_id: i64,
    edit_date: i64,
    text: &str,
) -> Value {
    let mut u = topic_text(staff_chat, thread, user, name, message_id, text);
    u["message"]["edit_date"] = json!(edit_date);
    json!({"edited_message": u["message"]})
}

/// A button press without a message (as on a message sent in inline mode).
pub fn press_without_message(id: &str, user: i64, name: &str, data: &str) -> Value {
    json!({"callback_query": {"id": id, "chat_instance": "ci", "inline_message_id": "inline-1",
        "from": {"id": user, "is_bot": false, "first_name": name}, "data": data}})
}

/// A private message from `user` carrying `extra` (e.g. `{"sticker": …}`) instead of text.
pub fn private_other(user: i64, name: &str, message_id: i64, extra: Value) -> Value {
    let mut m = json!({"message_id": message_id, "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": name},
        "from": {"id": user, "is_bot": false, "first_name": name}});
    for (k, v) in extra.as_object().expect("an object of message fields") {
        m[k] = v.clone();
    }
    json!({"message": m})
}

/// A sticker, as the `extra` of [`private_other`].
pub fn sticker() -> Value {
    json!({"sticker": {"file_id": "STICKER-1", "file_unique_id": "us1", "type": "regular",
        "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"}})
}
