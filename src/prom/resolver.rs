//! One DNS lookup per host for all of a client's concurrent connections.
//!
//! doctor and stats send their Thanos queries in one concurrent round; with HTTP/1.1 each query
//! opens its own connection and reqwest's default resolver calls `getaddrinfo` once per
//! connection. Ten identical lookups at once are what a laptop outside the cluster network sends
//! for a Route host it cannot resolve, and resolvers drop such bursts: one lost answer held a
//! whole doctor run for the 5 s request timeout. [`SharedLookups`] runs one lookup per host and
//! lets every connection wait on it; answers (and failures) are kept for [`KEEP_FOR`] so a
//! `stats --watch` session still follows DNS changes.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt, Shared};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long a lookup's answer is reused.
pub const KEEP_FOR: Duration = Duration::from_secs(30);

type Lookup = Shared<BoxFuture<'static, Result<Arc<Vec<SocketAddr>>, String>>>;
type LookupFn = dyn Fn(&str) -> io::Result<Vec<SocketAddr>> + Send + Sync;

/// A reqwest resolver sharing each host's lookup among concurrent connections.
#[derive(Clone)]
pub struct SharedLookups {
    lookups: Arc<Mutex<HashMap<String, (Instant, Lookup)>>>,
    lookup: Arc<LookupFn>,
}

impl Default for SharedLookups {
    /// The system resolver (`getaddrinfo`, on a blocking thread).
    fn default() -> Self {
        Self::with(|host| Ok((host, 0).to_socket_addrs()?.collect()))
    }
}

impl SharedLookups {
    /// With another lookup function (tests count the calls).
    pub fn with(
        lookup: impl Fn(&str) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            lookups: Arc::default(),
            lookup: Arc::new(lookup),
        }
    }

    fn shared(&self, host: &str) -> Lookup {
        let mut lookups = self
            .lookups
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((started, lookup)) = lookups.get(host)
            && started.elapsed() < KEEP_FOR
        {
            return lookup.clone();
        }
        let (name, lookup) = (host.to_string(), self.lookup.clone());
        let future = async move {
            let found = tokio::task::spawn_blocking(move || lookup(&name))
                .await
                .map_err(|e| format!("DNS lookup did not finish: {e}"))?;
            found.map(Arc::new).map_err(|e| e.to_string())
        }
        .boxed()
        .shared();
        lookups.insert(host.to_string(), (Instant::now(), future.clone()));
        future
    }
}

impl Resolve for SharedLookups {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = self.shared(name.as_str());
        Box::pin(async move {
            let addrs = lookup
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            Ok(Box::new(addrs.as_ref().clone().into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(answer: io::Result<Vec<SocketAddr>>) -> (SharedLookups, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let answer = answer.map_err(|e| e.to_string());
        let resolver = SharedLookups::with(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
            answer.clone().map_err(io::Error::other)
        });
        (resolver, calls)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_connections_share_one_lookup() {
        let addr: SocketAddr = "10.0.0.7:0".parse().unwrap();
        let (resolver, calls) = counting(Ok(vec![addr]));
        let name = || Name::from_str("thanos.apps.example.com").unwrap();
        let answers = futures::future::join_all((0..10).map(|_| resolver.resolve(name()))).await;
        for answer in answers {
            assert_eq!(answer.unwrap().collect::<Vec<_>>(), vec![addr]);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Another host is its own lookup.
        let other = resolver
            .resolve(Name::from_str("other.example.com").unwrap())
            .await
            .unwrap();
        assert_eq!(other.count(), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_lookup_fails_every_waiting_connection_once() {
        let (resolver, calls) = counting(Err(io::Error::other("no such host")));
        let name = || Name::from_str("thanos.invalid").unwrap();
        let answers = futures::future::join_all((0..5).map(|_| resolver.resolve(name()))).await;
        for answer in answers {
            let err = answer.err().expect("a failed lookup");
            assert!(err.to_string().contains("no such host"), "{err}");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
