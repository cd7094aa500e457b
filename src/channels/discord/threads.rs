//! Staff threads: one private thread per ticket, renamed within Discord's rename budget
//! (renames beyond it are coalesced; the latest title wins), archived on close.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use serenity::all::{AutoArchiveDuration, ChannelId, ChannelType, CreateThread, EditThread, Http};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::Shared;
use crate::domain::ids::{ConversationRef, Platform, TicketId};

/// Discord caps thread and channel names at 100 characters.
const MAX_NAME: usize = 100;

fn name(title: &str) -> String {
    let n: String = title.chars().take(MAX_NAME).collect();
    if n.trim().is_empty() {
        "ticket".to_string()
    } else {
        n
    }
}

/// A sliding-window budget: at most `limit` spends per `window`.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: usize,
    window: Duration,
    spent: VecDeque<Instant>,
}

impl Budget {
    /// A fresh budget.
    pub fn new(limit: usize, window: Duration) -> Self {
        Budget {
            limit,
            window,
            spent: VecDeque::new(),
        }
    }

    /// `None` when a spend is allowed at `now`, else how long until one is.
    pub fn wait(&mut self, now: Instant) -> Option<Duration> {
        while self
            .spent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            self.spent.pop_front();
        }
        if self.spent.len() < self.limit {
            None
        } else {
            let oldest = *self.spent.front().expect("limit > 0");
            Some((oldest + self.window).saturating_duration_since(now))
        }
    }

    /// Records a spend at `now`.
    pub fn spend(&mut self, now: Instant) {
        self.spent.push_back(now);
    }
}

#[derive(Debug)]
struct ThreadState {
    /// The name Discord has, when known.
    title: Option<String>,
    /// A rename waiting for budget; a newer one replaces it.
    pending: Option<String>,
    /// Whether the thread should be open; `None` until first known.
    open: Option<bool>,
    timer: bool,
    budget: Budget,
}

/// Applies thread renames and archive changes.
pub struct Renamer {
    http: Arc<Http>,
    limit: usize,
    window: Duration,
    threads: Mutex<HashMap<ChannelId, ThreadState>>,
}

impl Renamer {
    /// A renamer allowing `limit` renames per `window` for each thread.
    pub fn new(http: Arc<Http>, limit: usize, window: Duration) -> Self {
        Renamer {
            http,
            limit,
            window,
            threads: Mutex::new(HashMap::new()),
        }
    }

    fn fresh(&self) -> ThreadState {
        ThreadState {
            title: None,
            pending: None,
            open: None,
            timer: false,
            budget: Budget::new(self.limit, self.window),
        }
    }

    async fn created(&self, thread: ChannelId, title: &str) {
        let mut st = self.fresh();
        st.title = Some(name(title));
        st.open = Some(true);
        self.threads.lock().await.insert(thread, st);
    }

    /// Brings the thread to `title` and `open`, renaming now if the budget allows and
    /// otherwise remembering the title for later.
    pub async fn update(
        self: &Arc<Self>,
        thread: ChannelId,
        title: &str,
        open: bool,
    ) -> Result<()> {
        let title = name(title);
        let mut map = self.threads.lock().await;
        let st = map.entry(thread).or_insert_with(|| self.fresh());
        let now = Instant::now();
        let mut edit = EditThread::new();
        let mut rename = false;
        if st.title.as_deref() != Some(title.as_str()) {
            match st.budget.wait(now) {
                None => {
                    edit = edit.name(title.clone());
                    rename = true;
                    st.pending = None;
                }
                Some(wait) => {
                    tracing::debug!(%thread, %title, ?wait, "discord: rename deferred");
                    st.pending = Some(title.clone());
                    if !st.timer {
                        st.timer = true;
                        let me = Arc::clone(self);
                        tokio::spawn(async move { me.later(thread, wait).await });
                    }
                }
            }
        } else {
            st.pending = None;
        }
        let state_change = st.open != Some(open);
        if !rename && !state_change {
            return Ok(());
        }
        edit = edit.archived(!open);
        thread
            .edit_thread(&*self.http, edit)
            .await
            .with_context(|| format!("cannot update staff thread {thread}"))?;
        if rename {
            st.budget.spend(now);
            st.title = Some(title);
        }
        st.open = Some(open);
        Ok(())
    }

    /// Applies the latest deferred title once the budget allows.
    async fn later(self: Arc<Self>, thread: ChannelId, mut wait: Duration) {
        loop {
            tokio::time::sleep(wait).await;
            let mut map = self.threads.lock().await;
            let Some(st) = map.get_mut(&thread) else {
                return;
            };
            let Some(title) = st.pending.clone() else {
                st.timer = false;
                return;
            };
            let now = Instant::now();
            if let Some(w) = st.budget.wait(now) {
                wait = w;
                continue;
            }
            let open = st.open.unwrap_or(true);
            // An archived thread cannot be renamed: reopen, rename, archive again.
            let edit = EditThread::new().name(title.clone()).archived(false);
            let mut result = thread.edit_thread(&*self.http, edit).await.map(|_| ());
            if result.is_ok() && !open {
                let again = EditThread::new().archived(true);
                result = thread.edit_thread(&*self.http, again).await.map(|_| ());
            }
            match result {
                Ok(()) => {
                    st.budget.spend(now);
                    st.title = Some(title);
                    st.pending = None;
                }
                Err(e) => tracing::error!(%thread, error = %e, "discord: deferred rename failed"),
            }
            st.timer = false;
            return;
        }
    }
}

/// Creates the ticket's staff thread (once) and remembers it in the store.
pub async fn open(shared: &Shared, ticket: TicketId, title: &str) -> Result<()> {
    if shared
        .store
        .staff_space(ticket, Platform::Discord)
        .await?
        .is_some()
    {
        return Ok(());
    }
    // A thread made when the store could not record it: record it now, make no second one.
    let made = shared
        .unbound
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&ticket)
        .cloned();
    if let Some(space) = made {
        shared.store.bind_staff_space(ticket, &space).await?;
        shared
            .unbound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ticket);
        return Ok(());
    }
    let staff = shared
        .staff_channel
        .context("discord.staff_channel_id is not set, so tickets cannot get a staff thread")?;
    let mut builder =
        CreateThread::new(name(title)).auto_archive_duration(AutoArchiveDuration::OneWeek);
    builder = if shared.private_staff_threads {
        builder.kind(ChannelType::PrivateThread).invitable(false)
    } else {
        builder.kind(ChannelType::PublicThread)
    };
    let thread = staff
        .create_thread(&*shared.http, builder)
        .await
        .with_context(|| format!("cannot create the staff thread of ticket {ticket}"))?;
    shared.remember_parent(thread.id, Some(staff));
    let space =
        ConversationRef::thread(Platform::Discord, staff.to_string(), thread.id.to_string());
    shared
        .unbound
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(ticket, space.clone());
    shared.store.bind_staff_space(ticket, &space).await?;
    shared
        .unbound
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&ticket);
    shared.renamer.created(thread.id, title).await;
    Ok(())
}

/// Renames, archives or reopens the ticket's staff thread.
pub async fn update(shared: &Shared, ticket: TicketId, title: &str, open: bool) -> Result<()> {
    let Some(thread) = staff_thread(shared, ticket).await? else {
        tracing::warn!(%ticket, "discord: ticket has no staff thread to update");
        return Ok(());
    };
    shared.renamer.update(thread, title, open).await
}

/// The ticket's staff thread, from the stored mapping.
pub async fn staff_thread(shared: &Shared, ticket: TicketId) -> Result<Option<ChannelId>> {
    let Some(space) = shared.store.staff_space(ticket, Platform::Discord).await? else {
        return Ok(None);
    };
    let id = space.thread.as_deref().unwrap_or(&space.chat);
    Ok(id
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ChannelId::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_allows_two_per_window_then_says_how_long_to_wait() {
        let t0 = Instant::now();
        let w = Duration::from_secs(600);
        let mut b = Budget::new(2, w);
        assert_eq!(b.wait(t0), None);
        b.spend(t0);
        assert_eq!(b.wait(t0 + Duration::from_secs(60)), None);
        b.spend(t0 + Duration::from_secs(60));
        assert_eq!(
            b.wait(t0 + Duration::from_secs(120)),
            Some(Duration::from_secs(480))
        );
        assert_eq!(b.wait(t0 + w), None, "the oldest spend left the window");
    }

    #[test]
    fn names_fit_discord() {
        assert_eq!(name(&"x".repeat(300)).chars().count(), MAX_NAME);
        assert_eq!(name("  "), "ticket");
    }
}
