//! The HTML reports in a real browser: headless Chromium driven through chromedriver
//! (WebDriver, with the `fantoccini` client). Each bundled report is written by the binary,
//! opened from a `file://` URL, and checked in the DOM: the headline figures equal the JSON
//! report's (summed here from the JSON's entities), every chart has marks, selecting a graph
//! node lists its events, nothing was logged as an error or blocked, no request was made, and
//! a screenshot is not blank.
//!
//! Chromium and chromedriver come from Debian (`chromium`, `chromium-driver`; `.ci/run` installs
//! them). Without them the test prints why and passes, except with `CI=true`, where a missing
//! browser is a failure. `FAULTLINE_SCREENSHOT=path` saves the default report's screenshot (the
//! README's docs/report.png is made this way).

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The flags the issue asks for: headless, no sandbox (root in CI), no GPU, and nothing that
/// talks to the network on its own.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1700",
    "--hide-scrollbars",
];

/// `name` from `$ENV` or the first of `paths` that exists.
fn find(env: &str, paths: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    paths.iter().map(PathBuf::from).find(|p| p.exists())
}

/// chromedriver on a free local port; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium and chromedriver, or `None` (after saying why) when they are missing outside CI.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = find("CHROMIUM", &["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    let driver = find("CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "CI=true but chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "SKIPPED: the HTML browser tests need chromium and chromedriver (apt-get install chromium chromium-driver)"
            );
            None
        }
    }
}

fn start_driver(path: &Path) -> Driver {
    let port =
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

async fn connect(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let mut args: Vec<String> = FLAGS.iter().map(|s| (*s).to_owned()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let Value::Object(caps) = caps else { unreachable!() };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

/// Runs the binary once per `(args, out)`, all at once (the ten-ten run is the slowest), and
/// waits for every one.
fn faultline(runs: &[(&[&str], &Path)]) {
    let root = env!("CARGO_MANIFEST_DIR");
    let children: Vec<_> = runs
        .iter()
        .map(|(args, out)| {
            let child = Command::new(env!("CARGO_BIN_EXE_faultline"))
                .current_dir(root)
                .args(*args)
                .arg("--out")
                .arg(out)
                .spawn()
                .expect("the faultline binary runs");
            (args, child)
        })
        .collect();
    for (args, mut child) in children {
        let status = child.wait().expect("faultline ends");
        assert!(status.success(), "faultline {args:?} failed");
    }
}

async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Opens `file`, waits for the page's script to finish, and checks what every page must hold.
async fn open(client: &Client, file: &Path, min_charts: usize) -> Result<(), String> {
    let url = format!("file://{}", file.display());
    client.goto(&url).await.map_err(|e| format!("{url}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while js(client, "return document.documentElement.getAttribute('data-ready');").await
        != json!("1")
    {
        if Instant::now() > deadline {
            return Err(format!("{url}: the page's script did not finish within 20 s"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let errors = js(client, "return window.__faultline.errors;").await;
    if errors != json!([]) {
        return Err(format!("{url}: errors or blocked requests: {errors}"));
    }
    // No request of any kind: the policy forbids them, and none was attempted.
    let requests =
        js(client, "return performance.getEntriesByType('resource').map(e => e.name);").await;
    if requests != json!([]) {
        return Err(format!("{url}: requests made: {requests}"));
    }
    let csp = js(client, "var m = document.querySelector('meta[http-equiv=Content-Security-Policy]'); return m && m.content;").await;
    if !csp.as_str().is_some_and(|c| c.starts_with("default-src 'none'")) {
        return Err(format!("{url}: no default-src 'none' policy: {csp}"));
    }
    // Every chart has marks, and each has a text alternative.
    let marks = js(client, "return Array.from(document.querySelectorAll('svg.chart')).map(s => [s.id, s.querySelectorAll('.mark').length, !!s.querySelector('title')]);").await;
    let marks = marks.as_array().cloned().unwrap_or_default();
    if marks.len() < min_charts {
        return Err(format!("{url}: {} charts, expected at least {min_charts}", marks.len()));
    }
    for m in &marks {
        if m[1].as_u64().unwrap_or(0) == 0 || m[2] != json!(true) {
            return Err(format!("{url}: chart {} has no marks or no title", m[0]));
        }
    }
    Ok(())
}

/// The screenshot is a PNG with content: many pixels off the background, several colours.
async fn screenshot(client: &Client, save: Option<&Path>) -> Result<(), String> {
    let bytes = client.screenshot().await.map_err(|e| e.to_string())?;
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let background = pixels[0];
    let other = pixels.iter().filter(|p| p[..3] != background[..3]).count();
    let mut colours: Vec<[u8; 3]> = pixels.iter().map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort_unstable();
    colours.dedup();
    if other * 50 < pixels.len() || colours.len() < 16 {
        return Err(format!(
            "blank screenshot: {other} of {} pixels drawn, {} colours",
            pixels.len(),
            colours.len()
        ));
    }
    if let Some(path) = save {
        std::fs::write(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn decimal(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or("0")).unwrap_or_else(|_| panic!("a decimal: {v}"))
}

/// The stress page against its JSON report.
async fn stress_page(
    client: &Client,
    html: &Path,
    json: &Path,
    charts: usize,
    save: Option<&Path>,
) -> Result<(), String> {
    open(client, html, charts).await?;
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(json).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    // The headline's figures: the sums of the JSON's per-entity losses.
    let entities = report["entities"].as_array().cloned().unwrap_or_default();
    for key in [
        "bad_debt_usd",
        "oracle_bad_debt_usd",
        "economic_bad_debt_usd",
        "nav_lost_usd",
        "frozen_usd",
    ] {
        let total: Decimal = entities.iter().map(|e| decimal(&e[key])).sum();
        let shown = js(client, &format!("var f = document.querySelector('[data-figure={key}]'); return [f.getAttribute('data-value'), f.querySelector('.value').textContent];")).await;
        if decimal(&shown[0]) != total
            || shown[1] != json!(faultline_orchestrator::report::usd(total))
        {
            return Err(format!(
                "{}: {key} shows {shown}, the JSON sums to {total}",
                html.display()
            ));
        }
    }
    for key in ["liquidations", "missed_liquidations"] {
        let total: u64 = entities.iter().map(|e| e[key].as_u64().unwrap_or(0)).sum();
        let shown = js(
            client,
            &format!("return document.querySelector('[data-figure={key}] .value').textContent;"),
        )
        .await;
        if shown != json!(total.to_string()) {
            return Err(format!(
                "{}: {key} shows {shown}, the JSON sums to {total}",
                html.display()
            ));
        }
    }
    // The first break is the JSON's first event that is a loss of value (not a miss).
    let events = report["events"].as_array().cloned().unwrap_or_default();
    let first = events.iter().find(|e| {
        let k = &e["kind"];
        match k["type"].as_str().unwrap_or("") {
            "economic_bad_debt" | "funds_frozen" | "perp_bad_debt" | "reserves_below_zero" => true,
            "liquidation" => !decimal(&k["bad_debt_usd"]).is_zero(),
            "nav_change" => decimal(&k["to"]) < decimal(&k["from"]),
            "vault_value" => {
                decimal(&k["share_price_to"]) < decimal(&k["share_price_from"])
                    || decimal(&k["economic_to"]) < decimal(&k["economic_from"])
            }
            _ => false,
        }
    });
    let shown =
        js(client, "return document.getElementById('first-break').getAttribute('data-event');")
            .await;
    let expected = first.map(|e| json!(e["id"].to_string()));
    if Some(&shown) != expected.as_ref() {
        return Err(format!(
            "{}: first break {shown}, the JSON's first loss {expected:?}",
            html.display()
        ));
    }
    // The log has every event of the JSON.
    let rows = js(client, "return document.querySelectorAll('#log tbody tr').length;").await;
    if rows != json!(events.len()) {
        return Err(format!("{}: {rows} log rows for {} events", html.display(), events.len()));
    }
    // Selecting a loss-taking node lists its events, with links to their causes.
    let node = client.find(Locator::Css("svg .node.loss")).await.map_err(|e| e.to_string())?;
    node.click().await.map_err(|e| e.to_string())?;
    let listed = js(client, "return [document.querySelectorAll('#node-panel li').length, document.querySelectorAll('#node-panel a.cause').length, document.querySelector('svg .node.selected') !== null];").await;
    if listed[0].as_u64().unwrap_or(0) == 0
        || listed[1].as_u64().unwrap_or(0) == 0
        || listed[2] != json!(true)
    {
        return Err(format!(
            "{}: selecting a node listed {listed} (events, cause links, selected)",
            html.display()
        ));
    }
    // The filters: one entity's events only.
    let filtered = js(client, "var s = document.getElementById('f-entity'); s.value = s.options[1].value; s.dispatchEvent(new Event('change')); var shown = Array.from(document.querySelectorAll('#log tbody tr')).filter(r => !r.hidden); return shown.length > 0 && shown.every(r => r.getAttribute('data-entity') === s.value);").await;
    if filtered != json!(true) {
        return Err(format!("{}: the entity filter does not filter", html.display()));
    }
    client.goto(&format!("file://{}", html.display())).await.map_err(|e| e.to_string())?;
    screenshot(client, save).await
}

#[tokio::test(flavor = "current_thread")]
async fn the_html_reports_render_in_chromium() {
    let Some((chromium, chromedriver)) = browser() else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let p = |name: &str| dir.path().join(name);
    let ten_ten = "fixtures/scenarios/ten-ten-2025.toml";
    // A coarse search keeps the test quick; the page is drawn the same at any tolerance.
    let breakpoints = [
        "breakpoints",
        "--driver",
        "issuer:xusd",
        "--grid",
        "2",
        "--tolerance",
        "0.2",
        "--format",
        "html",
    ];
    faultline(&[
        (&["stress", "--format", "html"], &p("stress.html")),
        (&["stress", "--format", "json"], &p("stress.json")),
        (&["stress", ten_ten, "--format", "html"], &p("ten-ten.html")),
        (&["stress", ten_ten, "--format", "json"], &p("ten-ten.json")),
        (&["graph", "--format", "html"], &p("graph.html")),
        (&["bands", "--asset", "sdeUSD", "--format", "html"], &p("bands.html")),
        (&breakpoints, &p("breakpoints.html")),
        (&["loop", "fixtures/vaults/example-loop.toml", "--format", "html"], &p("loop.html")),
        (
            &[
                "position",
                "--market",
                "morpho-eth-sdeusd-usdc",
                "--account",
                "0x1597E4B7cF6D2877A1d690b6088668afDb045763",
                "--format",
                "html",
            ],
            &p("position.html"),
        ),
    ]);

    let hostile = hostile_inputs(dir.path());
    let driver = start_driver(&chromedriver);
    let profile = tempfile::tempdir().expect("a fresh Chromium profile");
    let client = connect(&driver, &chromium, profile.path()).await;
    let save = std::env::var_os("FAULTLINE_SCREENSHOT").map(PathBuf::from);
    let result = async {
        stress_page(&client, &p("stress.html"), &p("stress.json"), 4, save.as_deref()).await?;
        stress_page(&client, &p("ten-ten.html"), &p("ten-ten.json"), 3, None).await?;
        open(&client, &p("graph.html"), 1).await?;
        let click = js(&client, "var n = document.querySelector('svg .node'); n.dispatchEvent(new MouseEvent('click', {bubbles: true})); return document.querySelectorAll('#node-panel li').length;").await;
        if click.as_u64().unwrap_or(0) == 0 {
            return Err(format!("graph: selecting a node listed {click} dependencies"));
        }
        screenshot(&client, None).await?;
        open(&client, &p("bands.html"), 1).await?;
        let flat = js(&client, "return document.querySelectorAll('p.flat').length;").await;
        if flat.as_u64().unwrap_or(0) == 0 {
            return Err("bands: the bundled snapshot's flat levels are not explained".into());
        }
        screenshot(&client, None).await?;
        open(&client, &p("breakpoints.html"), 1).await?;
        screenshot(&client, None).await?;
        // The table reports: a page of tables, each with rows (no charts).
        for page in ["loop.html", "position.html"] {
            open(&client, &p(page), 0).await?;
            let rows = js(&client, "return Array.from(document.querySelectorAll('table')).map(t => t.querySelectorAll('tbody tr').length);").await;
            let rows = rows.as_array().cloned().unwrap_or_default();
            if rows.is_empty() || rows.iter().any(|r| r.as_u64().unwrap_or(0) == 0) {
                return Err(format!("{page}: tables without rows: {rows:?}"));
            }
        }
        // Markup in snapshot names stays text in the browser too: no element it would create.
        faultline(&[(&["stress", hostile.to_str().unwrap_or(""), "--format", "html"], &p("hostile.html"))]);
        open(&client, &p("hostile.html"), 4).await?;
        let injected = js(&client, "return document.querySelectorAll('img, script:not(:first-of-type):not(:last-of-type)').length + document.scripts.length - 2;").await;
        if injected != json!(0) {
            return Err(format!("hostile names created {injected} elements"));
        }
        Ok(())
    }
    .await;
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A snapshot whose names carry markup, and a scenario over it, in `dir`.
fn hostile_inputs(dir: &Path) -> PathBuf {
    const PAYLOAD: &str = "</title><script>alert(1)</script><img src=x onerror=alert(2)>\"'&";
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("fixtures/snapshots/stream-elixir-2025-11.json"))
        .expect("the bundled snapshot");
    let mut snapshot: Value = serde_json::from_str(&text).expect("JSON");
    snapshot["name"] = json!(format!("snapshot {PAYLOAD}"));
    snapshot["description"] = json!(format!("description {PAYLOAD}"));
    for market in snapshot["lending_markets"].as_array_mut().expect("markets") {
        market["name"] = json!(format!("{} {PAYLOAD}", market["name"].as_str().unwrap_or("")));
    }
    for vault in snapshot["vaults"].as_array_mut().expect("vaults") {
        vault["name"] = json!(format!("{} {PAYLOAD}", vault["name"].as_str().unwrap_or("")));
    }
    std::fs::write(dir.join("hostile.json"), serde_json::to_string(&snapshot).expect("JSON"))
        .expect("write the snapshot");
    let scenario =
        std::fs::read_to_string(root.join("fixtures/scenarios/stream-elixir-2025-11.toml"))
            .expect("the bundled scenario")
            .replace("../snapshots/stream-elixir-2025-11.json", "hostile.json")
            .replace(
                "name = \"Stream/Elixir, November 2025\"",
                &format!("name = {:?}", format!("scenario {PAYLOAD}")),
            );
    let path = dir.join("hostile.toml");
    std::fs::write(&path, scenario).expect("write the scenario");
    path
}

#[test]
fn names_in_a_snapshot_cannot_inject_markup() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scenario = hostile_inputs(dir.path());
    let scenario = scenario.to_str().expect("a UTF-8 path");
    let snapshot = dir.path().join("hostile.json");
    let snapshot = snapshot.to_str().expect("a UTF-8 path");
    let (stress, graph, bands) =
        (dir.path().join("s.html"), dir.path().join("g.html"), dir.path().join("b.html"));
    faultline(&[
        (&["stress", scenario, "--format", "html"], &stress),
        (&["graph", snapshot, "--format", "html"], &graph),
        (&["bands", "--snapshot", snapshot, "--asset", "sdeUSD", "--format", "html"], &bands),
    ]);
    for page in [&stress, &graph, &bands] {
        let html = std::fs::read_to_string(page).expect("the page");
        // The names did reach the page, escaped...
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{}: payload missing",
            page.display()
        );
        // ...and never as markup: the only scripts are the page's own two, no image at all,
        // and one title element.
        assert!(!html.contains("<script>alert"), "{}: injected script", page.display());
        assert!(!html.contains("<img"), "{}: injected image", page.display());
        assert_eq!(html.matches("<script>").count(), 2, "{}", page.display());
        assert_eq!(
            html.matches("</title>").count(),
            html.matches("<title").count(),
            "{}",
            page.display()
        );
    }
}
