//! Runs work one item at a time per key and different keys concurrently: a conversation's
//! events reach the desk in the order they came, while other conversations go on.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;

type Handler<E> = Arc<dyn Fn(E) -> BoxFuture<'static, ()> + Send + Sync>;

/// Per-key queues, each drained by its own task while it has work.
pub struct PerKey<E> {
    queues: Mutex<HashMap<String, VecDeque<E>>>,
    handler: Handler<E>,
}

impl<E: Send + 'static> PerKey<E> {
    /// Queues whose items are handled by `handler`.
    pub fn new<F, Fut>(handler: F) -> Arc<PerKey<E>>
    where
        F: Fn(E) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Arc::new(PerKey {
            queues: Mutex::new(HashMap::new()),
            handler: Arc::new(move |e| Box::pin(handler(e))),
        })
    }

    /// Queues `item` behind the earlier items of `key`.
    pub fn submit(self: &Arc<Self>, key: String, item: E) {
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        match queues.get_mut(&key) {
            Some(q) => q.push_back(item),
            None => {
                queues.insert(key.clone(), VecDeque::from([item]));
                let this = Arc::clone(self);
                tokio::spawn(async move { this.drain(key).await });
            }
        }
    }

    /// Whether nothing is queued or running.
    pub fn is_idle(&self) -> bool {
        self.queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    async fn drain(self: Arc<Self>, key: String) {
        loop {
            // The key stays in the map while an item runs, so later items queue behind it.
            let next = {
                let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
                let q = queues
                    .get_mut(&key)
                    .expect("only this task removes the key");
                match q.pop_front() {
                    Some(item) => item,
                    None => {
                        queues.remove(&key);
                        return;
                    }
                }
            };
            (self.handler)(next).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_key_keeps_order_while_another_key_is_not_held_up() {
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let l = log.clone();
        let q = PerKey::new(move |(key, n, slow): (&'static str, u32, bool)| {
            let l = l.clone();
            async move {
                if slow {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                l.lock().unwrap().push(format!("{key}{n}"));
            }
        });
        q.submit("a".into(), ("a", 1, true));
        q.submit("a".into(), ("a", 2, false));
        q.submit("b".into(), ("b", 1, false));
        while !q.is_idle() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let log = log.lock().unwrap().clone();
        assert_eq!(log, ["b1", "a1", "a2"], "b went first; a kept its order");
    }
}
