//! The fake Discord's TLS interception: an HTTP CONNECT proxy on 127.0.0.1 that accepts
//! tunnels to `discord.com:443`, terminates TLS with a certificate from a throwaway CA made at
//! start, and serves the fake's own REST routes inside. The bot's config points
//! `discord.https_proxy` here and `discord.ca_file` at the CA, so the real serenity client
//! runs with its rate limiter on, exactly as in production.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderValue;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// The names the forged certificate covers, as Discord's own hosts.
pub const NAMES: [&str; 3] = ["discord.com", "gateway.discord.gg", "cdn.discordapp.com"];
/// Header the interception adds to every request it serves, so calls can tell how they came.
pub const MARK: &str = "x-fake-intercepted";

/// The running interception.
pub struct Interceptor {
    port: u16,
    ca_file: PathBuf,
    /// The `CONNECT` targets asked for, refused ones included.
    tunnels: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Interceptor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Interceptor {
    /// Makes a CA and a certificate for [`NAMES`], writes the CA's PEM to a temp file, and
    /// serves `app` inside every accepted tunnel.
    pub async fn start(app: Router) -> Interceptor {
        let (server_config, ca_pem) = certificates();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("fake-discord-ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = TlsAcceptor::from(Arc::new(server_config));
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&tunnels);
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, app, seen) = (acceptor.clone(), app.clone(), Arc::clone(&seen));
                tokio::spawn(async move {
                    if let Err(e) = tunnel(tcp, acceptor, app, seen).await {
                        eprintln!("fake discord proxy: {e}");
                    }
                });
            }
        });
        Interceptor {
            port,
            ca_file,
            tunnels,
            task,
            _dir: dir,
        }
    }

    /// The URL to give `discord.https_proxy`.
    pub fn proxy_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The CA's PEM file, for `discord.ca_file`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The `CONNECT` targets asked for so far.
    pub fn tunnels(&self) -> Vec<String> {
        self.tunnels.lock().unwrap().clone()
    }
}

/// A throwaway CA, a leaf certificate for Discord's hosts signed by it, the TLS server
/// config presenting that leaf, and the CA's PEM.
fn certificates() -> (rustls::ServerConfig, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "supportbot test CA (throwaway)");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let mut leaf = CertificateParams::new(NAMES.map(String::from).to_vec()).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, NAMES[0]);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&leaf_key, &*ca).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone(), ca.der().clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (config, ca.pem())
}

/// One proxy connection: the `CONNECT` head, then TLS, then HTTP/1.1 into `app`.
async fn tunnel(
    mut tcp: TcpStream,
    acceptor: TlsAcceptor,
    app: Router,
    seen: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    // The client sends nothing after the head until it has the proxy's answer.
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let mut words = line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    seen.lock().unwrap().push(format!("{method} {target}"));
    let allowed = method == "CONNECT" && NAMES.iter().any(|n| target == format!("{n}:443"));
    if !allowed {
        eprintln!("fake discord proxy: refused `{line}`");
        tcp.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    }
    tcp.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    let tls = acceptor.accept(tcp).await?;
    let inner = TowerToHyperService::new(app);
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.headers_mut()
                .insert(MARK, HeaderValue::from_static("1"));
            inner.call(req)
        });
    hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await
        .map_err(std::io::Error::other)
}
