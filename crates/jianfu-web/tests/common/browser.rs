//! Headless Chromium driven through chromedriver, for the browser tests.
//!
//! Needs Debian's `chromium` and `chromium-driver` (the test script installs
//! them). `CHROMEDRIVER` and `CHROMIUM` override the binaries' paths.
#![allow(dead_code)]

use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Driver {
    child: Child,
    pub port: u16,
    pub _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The text of element `id` once it reads `want`, or what it last read
/// after 5 s. A click that reloads the page leaves the old element behind
/// for a moment, so the element is looked up again each time.
pub async fn text_becomes(b: &fantoccini::Client, id: &str, want: &str) -> String {
    let mut text = String::new();
    for _ in 0..50 {
        if let Ok(e) = b.find(Locator::Id(id)).await {
            text = e.text().await.unwrap_or_default();
            if text == want {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    text
}

/// The text of element `id` once it contains `part`; fails the test if it
/// does not within 10 s (the page the click left may still be showing).
pub async fn text_with(b: &fantoccini::Client, id: &str, part: &str) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(e) = b.find(Locator::Id(id)).await {
            text = e.text().await.unwrap_or_default();
            if text.contains(part) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A wait that ends without the text is a failure, not a pass.
    assert!(
        text.contains(part),
        "#{id} never said “{part}”; it said “{text}”"
    );
    text
}

/// Whether element `id` is gone within 10 s (a form a step removes).
pub async fn gone(b: &fantoccini::Client, id: &str) -> bool {
    for _ in 0..100 {
        if b.find(Locator::Id(id)).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

pub async fn start_driver() -> Driver {
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let port = free_port();
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {bin} ({e}); install Debian's chromium-driver (scripts/test does)")
        });
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver {
        child,
        port,
        _profile: tempfile::tempdir().expect("profile dir"),
    }
}

pub async fn browser(driver: &Driver) -> fantoccini::Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-dev-shm-usage",
                // A phone-sized window: the pages must work there.
                "--window-size=390,844",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("chromium session")
}

/// Fills in and submits the login form on the current page.
pub async fn submit_login(b: &fantoccini::Client, username: &str, password: &str) {
    let field = |id: &'static str| b.find(Locator::Id(id));
    field("username")
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    field("password")
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    field("login").await.unwrap().click().await.unwrap();
    // Wait for the answer to the login post: a navigation started before it
    // arrives cancels it, and the next page would then be the login form.
    for _ in 0..100 {
        for id in ["logout", "login-error"] {
            if b.find(Locator::Id(id)).await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the login as {username} was never answered");
}

/// Signs out through the page's button and waits for the login form.
pub async fn log_out(b: &fantoccini::Client) {
    b.find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("login")).await.unwrap();
}

/// Clicks the element with this id once it is there.
pub async fn click(b: &fantoccini::Client, id: &str) {
    b.wait()
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

/// Types into the element this CSS selector finds, once it is there.
pub async fn type_into(b: &fantoccini::Client, css: &str, text: &str) {
    b.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}
