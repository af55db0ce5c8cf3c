// SPDX-License-Identifier: BSD-2-Clause

//! The book (docs/book): built by mdBook from the shipped sources, every link and anchor of it
//! resolving and every address from the one table of links, nothing in it typed by hand that the
//! project's files say, and in a real browser (Debian's headless Chromium, driven by its
//! ChromeDriver), for every architecture's reader: the path from the introduction to the end of
//! "Map a page" short, every command shown the reader's own, nothing shown that refers to a part
//! the reader cannot see, every walk within the page; every step's solution closed until clicked
//! and then the shipped file's own lines; every question after a stage of the main exercise the
//! reader's architecture's only, taking the answer its recordings give and explaining a wrong one;
//! the practice page's problems what a walk of their tables says; and the architecture chosen on
//! one page is the one every other page shows, search finds the kernel's names, and nothing fails
//! to load.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use serde_json::{Value, json};
use xtask::book::Mdbook;
use xtask::book::questions::Answer;
use xtask::catalogue::{self, ARCHES};
use xtask::project::Project;

/// The book, built once for these tests into build/book-test.
fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::here();
        let dest = project.build_dir().join("book-test");
        let mdbook = Mdbook::ensure(&project).unwrap_or_else(|e| panic!("{e:#}"));
        mdbook
            .build(&project, &dest)
            .unwrap_or_else(|e| panic!("{e:#}"));
        dest
    })
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(html_files(&path));
        } else if path.extension().is_some_and(|e| e == "html") {
            files.push(path);
        }
    }
    files
}

/// The values of `attribute="..."` in `html`.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let mark = format!(" {attribute}=\"");
    html.match_indices(&mark)
        .filter_map(|(at, _)| {
            let rest = &html[at + mark.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn every_link_and_anchor_of_the_book_resolves() {
    let root = built();
    let pages = html_files(root);
    assert!(pages.len() > 10, "{} pages only", pages.len());
    let mut ids: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for page in &pages {
        let html = fs::read_to_string(page).unwrap();
        ids.insert(
            page.clone(),
            attribute_values(&html, "id")
                .into_iter()
                .map(str::to_owned)
                .collect(),
        );
    }
    let mut broken = Vec::new();
    for page in &pages {
        let html = fs::read_to_string(page).unwrap();
        let links = attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"));
        for link in links {
            if link.contains("://") || link.starts_with("mailto:") || link.starts_with("data:") {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let file = file.split('?').next().unwrap_or_default();
            let target = match file {
                "" => page.clone(),
                _ if file.starts_with('/') => root.join(file.trim_start_matches('/')),
                _ => page.parent().unwrap().join(file),
            };
            let target = match target.is_dir() {
                true => target.join("index.html"),
                false => target,
            };
            let Ok(target) = target.canonicalize() else {
                broken.push(format!("{}: {link}: no such file", page.display()));
                continue;
            };
            if !anchor.is_empty() {
                let page_ids = ids
                    .iter()
                    .find(|(p, _)| p.canonicalize().unwrap() == target);
                if !page_ids.is_some_and(|(_, ids)| ids.iter().any(|id| id == anchor)) {
                    broken.push(format!("{}: {link}: no such anchor", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Every address the book links to elsewhere comes from its one table (docs/book/links.toml),
/// and is well formed; no chapter types one. No machine here reaches them, so none is fetched.
#[test]
fn every_link_out_of_the_book_comes_from_the_table_of_links() {
    let project = Project::here();
    let links = xtask::book::links::Links::load(&project).unwrap_or_else(|e| panic!("{e:#}"));
    let table: BTreeSet<String> = links.addresses().into_iter().collect();
    for address in &table {
        xtask::book::links::check_url(address).unwrap_or_else(|e| panic!("{e:#}"));
    }
    let mut used = BTreeSet::new();
    let mut stray = Vec::new();
    for page in html_files(built()) {
        let html = fs::read_to_string(&page).unwrap();
        for link in attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
        {
            if !link.contains("://") {
                continue;
            }
            let link = link.replace("&amp;", "&");
            match table.contains(&link) {
                true => {
                    used.insert(link);
                }
                false => stray.push(format!("{}: {link}", page.display())),
            }
        }
    }
    assert!(
        stray.is_empty(),
        "addresses not from {}:\n{}",
        project.book_links().display(),
        stray.join("\n")
    );
    assert!(used.len() > 40, "only {} addresses are linked", used.len());
    for entry in fs::read_dir(project.book_dir().join("src")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            assert!(
                !line.contains("://"),
                "{}:{}: an address typed in a chapter: name it in {}: {line}",
                path.display(),
                n + 1,
                project.book_links().display()
            );
        }
    }
}

/// The book's one table of links is the book's: every key of it is used, by a chapter's
/// `[text][key]` or by code that names it.
#[test]
fn every_link_of_the_table_is_used() {
    let project = Project::here();
    let links = xtask::book::links::Links::load(&project).unwrap_or_else(|e| panic!("{e:#}"));
    let mut linked = BTreeSet::new();
    for page in html_files(built()) {
        let html = fs::read_to_string(&page).unwrap();
        linked.extend(
            attribute_values(&html, "href")
                .into_iter()
                .map(|l| l.replace("&amp;", "&")),
        );
    }
    let unused: Vec<&str> = links
        .keys()
        .filter(|key| {
            let link = links.get(key).unwrap();
            !ARCHES
                .iter()
                .any(|arch| linked.contains(&links.target(link, arch)))
        })
        .collect();
    assert!(unused.is_empty(), "links no chapter uses: {unused:?}");
}

/// A term of the glossary is defined once: its first use on each page links to its definition,
/// whose anchor exists.
#[test]
fn every_term_of_the_glossary_is_defined_once_and_linked() {
    let project = Project::here();
    let text =
        fs::read_to_string(project.book_dir().join("src").join(xtask::book::GLOSSARY)).unwrap();
    let terms = xtask::book::glossary_terms(&text);
    let mut names = BTreeSet::new();
    for term in &terms {
        assert!(
            names.insert(term.id.clone()),
            "{} is defined twice",
            term.name
        );
    }
    assert!(terms.len() > 20, "{} terms only", terms.len());
    let glossary = fs::read_to_string(built().join("glossary.html")).unwrap();
    let all: String = html_files(built())
        .iter()
        .filter(|p| !p.ends_with("print.html"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    for term in &terms {
        assert!(
            glossary.contains(&format!("id=\"{}\"", term.id)),
            "glossary.html has no #{}",
            term.id
        );
    }
    let unused: Vec<&str> = terms
        .iter()
        .filter(|t| !all.contains(&format!("href=\"glossary.html#{}\"", t.id)))
        .map(|t| t.name.as_str())
        .collect();
    assert!(
        unused.is_empty(),
        "terms the glossary defines and no page uses: {unused:?}"
    );
}

/// Names of invocations the C tutorial uses and seL4 16.0.0 does not have: no section of the
/// manual is theirs.
const NOT_IN_THIS_KERNEL: &[&str] = &[
    "seL4_X86_Page_Remap",
    "seL4_ARM_Page_Remap",
    "seL4_RISCV_Page_Remap",
    "seL4_PageDirectory_Map",
    "seL4_PageTable_Map",
];

/// Every seL4 invocation the book names links to its section of the reference manual, and every
/// rust-sel4 item (`sel4::...`) to its rustdoc, wherever the text names it (not in code blocks).
#[test]
fn every_invocation_and_rust_sel4_item_named_links_to_its_documentation() {
    let verbs = [
        "Map",
        "Unmap",
        "Delete",
        "Retype",
        "Assign",
        "GetAddress",
        "MakePool",
        "Clean_Data",
        "Invalidate_Data",
        "CleanInvalidate_Data",
        "Unify_Instruction",
    ];
    let mut unlinked = BTreeSet::new();
    for page in html_files(built()) {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        if ["print.html", "toc.html", "404.html"].contains(&name.as_str()) {
            continue;
        }
        let html = fs::read_to_string(&page).unwrap();
        for (at, _) in html.match_indices("<code>") {
            let rest = &html[at + "<code>".len()..];
            let code = rest[..rest.find("</code>").unwrap()]
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"");
            let name_only = code.split('(').next().unwrap_or_default();
            let invocation = name_only.starts_with("seL4_")
                && !name_only.contains('*')
                && verbs.iter().any(|v| name_only.ends_with(&format!("_{v}")))
                && !NOT_IN_THIS_KERNEL.contains(&name_only);
            let item = code.contains("sel4::");
            if !(invocation || item) {
                continue;
            }
            let tag = &html[html[..at].rfind('<').unwrap()..at];
            if !tag.starts_with("<a ") {
                unlinked.insert(format!("{name}: {code}"));
            }
        }
    }
    assert!(
        unlinked.is_empty(),
        "named, not linked (add them to docs/book/links.toml):\n{}",
        unlinked.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// Outputs and walks come from the recordings, exercise code from the shipped files: a fenced
/// block in a chapter's source that repeats a line of either was typed by hand.
#[test]
fn no_output_walk_or_exercise_code_in_the_book_is_typed_by_hand() {
    let project = Project::here();
    let mut recorded = std::collections::BTreeSet::new();
    for arch in ARCHES.iter() {
        for stage in arch.stages() {
            for path in [
                project.recorded_output(arch, stage.name()),
                project.recorded_walk(arch, stage.name()),
                project.recorded_trace(arch, stage.name()),
            ] {
                if let Ok(text) = fs::read_to_string(&path) {
                    recorded.extend(
                        text.lines()
                            .map(str::trim)
                            .filter(|l| l.len() > 8)
                            .map(str::to_owned),
                    );
                }
            }
        }
    }
    let mut typed = Vec::new();
    for entry in fs::read_dir(project.book_dir().join("src")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let mut fence: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            let at = format!("{}:{}", path.display(), n + 1);
            if let Some(language) = line.trim_start().strip_prefix("```") {
                fence = match fence {
                    Some(_) => None,
                    None => Some(language.to_owned()),
                };
                continue;
            }
            match fence.as_deref() {
                Some("rust") if line.contains("// TODO") => {
                    typed.push(format!("{at}: a TODO typed by hand: use {{{{#todo ...}}}}"))
                }
                Some(_) if recorded.contains(line.trim()) => typed.push(format!(
                    "{at}: a recorded line typed by hand: use {{{{#output ...}}}} or {{{{#walk ...}}}}: {line}"
                )),
                _ => {}
            }
        }
        if fence.is_some() {
            typed.push(format!("{}: a fenced block is not closed", path.display()));
        }
    }
    assert!(typed.is_empty(), "{}", typed.join("\n"));
}

/// A reader sees their architecture's code and output only: every output, walk and code block
/// of a chapter is inside an architecture's part (the pictures and tables that compare the
/// architectures are text, not code).
#[test]
fn every_output_walk_and_code_block_is_in_an_architectures_part() {
    let project = Project::here();
    let mut outside = Vec::new();
    for entry in fs::read_dir(project.book_dir().join("src")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let (mut part, mut fence) = (false, false);
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            let shown = if line.starts_with("{{#arch ") {
                part = true;
                None
            } else if line == "{{#endarch}}" {
                part = false;
                None
            } else if let Some(language) = line.strip_prefix("```") {
                fence = !fence;
                (fence && language == "rust").then_some(line)
            } else {
                [
                    "{{#output ",
                    "{{#walk ",
                    "{{#trace ",
                    "{{#todo ",
                    "{{#file ",
                ]
                .iter()
                .any(|d| line.starts_with(d))
                .then_some(line)
            };
            if let Some(shown) = shown.filter(|_| !part) {
                outside.push(format!("{}:{}: {shown}", path.display(), n + 1));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "shown to every architecture's reader, not in an {{{{#arch ...}}}} part:\n{}",
        outside.join("\n")
    );
}

/// Every architecture's part is in the built book, labelled, and every page has the chooser.
#[test]
fn every_page_has_the_chooser_and_every_architecture_its_parts() {
    let root = built();
    let exercise = fs::read_to_string(root.join("exercise.html")).unwrap();
    for arch in ARCHES.iter() {
        assert!(
            exercise.contains(&format!("<div class=\"arch-only\" data-arch=\"{arch}\">")),
            "exercise.html has no part for {arch}"
        );
        assert!(exercise.contains(&format!("<p class=\"arch-label\">{arch}</p>")));
    }
    for page in html_files(root) {
        let name = page.file_name().unwrap().to_string_lossy();
        if ["print.html", "404.html", "toc.html"].contains(&name.as_ref()) {
            continue;
        }
        let html = fs::read_to_string(&page).unwrap();
        assert!(
            html.contains("id=\"arch-chooser\""),
            "{}: no architecture chooser",
            page.display()
        );
    }
}

// --- In a browser ---------------------------------------------------------------------------------

/// A static file server on localhost for the built book, which records every request's path and
/// status.
struct Server {
    port: u16,
    requests: Arc<Mutex<Vec<(String, u16)>>>,
}

impl Server {
    fn start(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (root, log) = (root.to_owned(), requests.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, log) = (root.clone(), log.clone());
                thread::spawn(move || serve(&root, stream, &log));
            }
        });
        Self { port, requests }
    }

    fn url(&self, page: &str) -> String {
        format!("http://127.0.0.1:{}/{page}", self.port)
    }

    fn failed(&self) -> Vec<(String, u16)> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, status)| *status != 200)
            .cloned()
            .collect()
    }
}

fn serve(root: &Path, mut stream: TcpStream, log: &Mutex<Vec<(String, u16)>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    // The headers, up to the blank line.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = request.split(' ').nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/").to_owned();
    let mut file = root.join(path.trim_start_matches('/'));
    if file.is_dir() {
        file = file.join("index.html");
    }
    let (status, body) = match fs::read(&file) {
        Ok(body) if file.starts_with(root) => (200, body),
        _ => (404, b"not found".to_vec()),
    };
    log.lock().unwrap().push((path, status));
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        if status == 200 { "OK" } else { "Not Found" },
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Headless Chromium, through ChromeDriver (WebDriver over HTTP); both stopped when dropped.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: PathBuf,
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

impl Browser {
    /// Only a test named `in_chromium_...` may start one: the name is how `make test` leaves the
    /// browser tests out where Chromium is not installed (xtask's test runner), and says so.
    fn start() -> Self {
        let test = thread::current().name().unwrap_or_default().to_owned();
        assert!(
            test.contains("in_chromium"),
            "{test}: a test that starts Chromium is named in_chromium_... (make test skips those \
             where Chromium is missing)"
        );
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: the book's browser test needs Debian's chromium and \
                 chromium-driver (tools/system-packages.txt; `make test` installs them)"
            );
        }
        let port = common::free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A profile of its own: the tests run side by side, each with its browser.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let profile =
            std::env::temp_dir().join(format!("book-test-chromium-{}-{n}", std::process::id()));
        let mut browser = Self {
            driver,
            port,
            session: String::new(),
            profile,
        };
        let started = Instant::now();
        while request(port, "GET", "/status", None).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1000",
        ]
        .map(String::from)
        .into_iter()
        .chain([format!("--user-data-dir={}", browser.profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let session = request(port, "POST", "/session", Some(&capabilities))
            .unwrap_or_else(|e| panic!("cannot start Chromium: {e}"));
        browser.session = session["sessionId"].as_str().unwrap().to_owned();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        request(self.port, method, &path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(&json!({ "url": url })));
    }

    fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": []})),
        )
    }

    fn click(&self, selector: &str) {
        let id = self.find(selector);
        self.call("POST", &format!("/element/{id}/click"), Some(&json!({})));
    }

    fn type_into(&self, selector: &str, text: &str) {
        let id = self.find(selector);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(&json!({ "text": text })),
        );
    }

    /// The WebDriver id of the element `selector` finds.
    fn find(&self, selector: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(&json!({"using": "css selector", "value": selector})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {selector}"))
            .to_owned()
    }

    /// Takes the element `selector` finds off the page as a picture, into `path`.
    fn element_screenshot(&self, selector: &str, path: &Path) {
        // From its top, below the page's bar: a picture is cut at the window's edges.
        self.run(&format!(
            "document.querySelector({selector:?}).scrollIntoView({{block: 'start'}});
            window.scrollBy(0, -80);"
        ));
        let id = self.find(selector);
        let shot = self.call("GET", &format!("/element/{id}/screenshot"), None);
        fs::write(path, base64_decode(shot.as_str().unwrap())).unwrap();
    }

    /// Empties the input `selector` finds.
    fn clear(&self, selector: &str) {
        let id = self.find(selector);
        self.call("POST", &format!("/element/{id}/clear"), Some(&json!({})));
    }

    /// The architectures of the parts the page shows.
    fn shown_parts(&self) -> Vec<String> {
        let shown = self.run(
            "return [...document.querySelectorAll('.arch-only')]
                .filter(p => p.offsetParent !== null).map(p => p.dataset.arch);",
        );
        serde_json::from_value(shown).unwrap()
    }

    /// The browser's log entries of level SEVERE (a script error, a resource that failed).
    fn severe_log(&self) -> Vec<String> {
        let log = self.call("POST", "/se/log", Some(&json!({"type": "browser"})));
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = fs::remove_dir_all(&self.profile);
    }
}

/// One WebDriver request: its `value`, or the error it reports.
fn request(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| e.to_string())?;
    // The head, then as many bytes as it announces: ChromeDriver keeps the connection open.
    let mut reader = BufReader::new(stream);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        }
        chunked |= line == "transfer-encoding: chunked";
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(size.trim(), 16).map_err(|e| e.to_string())?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length.ok_or("a response without a length")?, 0);
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let answer: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    let value = answer["value"].clone();
    match value.get("error") {
        Some(error) => Err(format!("{error}: {}", value["message"])),
        None => Ok(value),
    }
}

/// Waits up to 10 s for `script` to return true.
fn wait_for(browser: &Browser, script: &str, what: &str) {
    let started = Instant::now();
    while browser.run(script) != Value::Bool(true) {
        assert!(started.elapsed() < Duration::from_secs(10), "{what}");
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn in_chromium_the_chosen_architecture_follows_the_reader_and_search_finds_the_kernels_names() {
    let server = Server::start(built());
    let browser = Browser::start();
    let default = catalogue::default_arch().name;
    let chosen = ARCHES
        .iter()
        .find(|a| a.name != default)
        .expect("more than one architecture")
        .name;

    // The default first, on the exercise's page: its parts only.
    browser.open(&server.url("exercise.html"));
    wait_for(
        &browser,
        "return document.getElementById('arch-menu') !== null;",
        "the chooser did not appear",
    );
    let shown = browser.shown_parts();
    assert!(
        !shown.is_empty() && shown.iter().all(|a| a == default),
        "{shown:?}"
    );

    // Chosen on this page, from the menu.
    browser.click(&format!("#arch-menu option[value='{chosen}']"));
    let shown = browser.shown_parts();
    assert!(
        !shown.is_empty() && shown.iter().all(|a| a == chosen),
        "{shown:?}"
    );
    let screenshot = browser.call("GET", "/screenshot", None);
    let png = base64_decode(screenshot.as_str().unwrap());
    let shot = Project::here().build_dir().join("book-exercise.png");
    fs::write(&shot, png).unwrap();

    // Every other page follows.
    for page in [
        "introduction.html",
        "background.html",
        "mapper.html",
        "unmapping.html",
    ] {
        browser.open(&server.url(page));
        let shown = browser.shown_parts();
        assert!(
            !shown.is_empty() && shown.iter().all(|a| a == chosen),
            "{page}: shows {shown:?}, not {chosen}'s parts only"
        );
        assert_eq!(
            browser.run("return document.getElementById('arch-menu').value;"),
            Value::String(chosen.to_owned()),
            "{page}: the menu does not show the chosen architecture"
        );
    }

    // Search, typed into the search box.
    browser.click("#mdbook-search-toggle");
    browser.type_into("#mdbook-searchbar", "seL4_MappingFailedLookupLevel");
    wait_for(
        &browser,
        "return document.querySelectorAll('#mdbook-searchresults li').length > 0;",
        "search found nothing for seL4_MappingFailedLookupLevel",
    );
    let results = browser.run(
        "return [...document.querySelectorAll('#mdbook-searchresults a')]
            .map(a => a.getAttribute('href'));",
    );
    assert!(
        results
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h.as_str().is_some_and(|h| h.starts_with("levels.html"))),
        "search for seL4_MappingFailedLookupLevel does not lead to the Levels chapter: {results}"
    );

    // Nothing failed to load, and nothing came from elsewhere.
    assert!(
        server.failed().is_empty(),
        "requests that failed: {:?}",
        server.failed()
    );
    let foreign = browser.run(&format!(
        "return performance.getEntriesByType('resource').map(e => e.name)
            .filter(n => !n.startsWith('http://127.0.0.1:{}/'));",
        server.port
    ));
    assert_eq!(foreign, json!([]), "resources from elsewhere");
    let severe = browser.severe_log();
    assert!(severe.is_empty(), "the browser's errors: {severe:?}");
    eprintln!("the exercise chapter, as {chosen}: {}", shot.display());
}

/// The most visible words a reader may meet from the introduction to the end of "Map a page".
const PATH_WORDS: usize = 2500;

/// The book's chapters in order (SUMMARY.md), as `(page, depth)`: a chapter nested under another
/// is one of its alternatives (the setting-up pages: a reader follows one).
fn chapters() -> Vec<(String, usize)> {
    let summary = fs::read_to_string(Project::here().book_dir().join("src/SUMMARY.md")).unwrap();
    summary
        .lines()
        .filter_map(|line| {
            let depth = (line.len() - line.trim_start().len()) / 4;
            let target = line.split("](").nth(1)?.split(')').next()?;
            Some((target.replace(".md", ".html"), depth))
        })
        .collect()
}

/// The path of one reader, up to the end of "Map a page": each step a chapter, or the chapters
/// nested under the one before, of which the reader reads one.
fn path() -> Vec<Vec<String>> {
    let mut steps: Vec<(Vec<String>, bool)> = Vec::new();
    for (page, depth) in chapters() {
        let done = page == "exercise.html";
        match steps.last_mut() {
            Some((alternatives, true)) if depth > 0 => alternatives.push(page),
            _ => steps.push((vec![page], depth > 0)),
        }
        if done {
            break;
        }
    }
    steps.into_iter().map(|(pages, _)| pages).collect()
}

/// The make commands that take ARCH= (their usage in `make help` says so).
fn commands_with_arch() -> Vec<String> {
    xtask::commands::help::make_help()
        .lines()
        .filter(|l| l.contains("[ARCH="))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect()
}

/// What one architecture's reader sees on the page open in `browser`: its visible words (the
/// chooser's menu aside), and what is wrong with it, each a line.
fn read_as(browser: &Browser, arch: &str) -> (usize, Vec<String>) {
    let arches: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
    let addresses = xtask::book::links::Links::load(&Project::here())
        .unwrap_or_else(|e| panic!("{e:#}"))
        .addresses();
    let script = format!(
        r##"const arch = {arch:?}, arches = {arches:?}, commands = {commands:?};
        const addresses = new Set({addresses:?});
        const main = document.querySelector('main');
        const visible = e => e.getClientRects().length > 0;
        const words = t => t.split(/\s+/).filter(w => /[A-Za-z0-9]/.test(w)).length;
        const count = words(main.innerText) - words(document.getElementById('arch-chooser').innerText);
        const wrong = [];
        // Every command shown is the reader's: a make command that takes ARCH= carries theirs.
        for (const code of main.querySelectorAll('code')) {{
            if (!visible(code)) continue;
            for (const line of code.innerText.split('\n')) {{
                const m = line.match(/(?:^|[^\w-])make ([a-z-]+)/);
                if (!m || !commands.includes(m[1])) continue;
                const given = [...line.matchAll(/ARCH=(\w+)/g)].map(g => g[1]);
                if (given.length !== 1 || given[0] !== arch) wrong.push('a command not for ' + arch + ': ' + line.trim());
            }}
        }}
        // A part of the reader's architecture speaks of no other's.
        for (const part of main.querySelectorAll('.arch-only')) {{
            if (!visible(part)) continue;
            for (const other of arches) {{
                if (other !== arch && new RegExp('\\b' + other + '\\b').test(part.innerText))
                    wrong.push(arch + "'s part names " + other + ': ' + part.innerText.slice(0, 120));
            }}
        }}
        // Nor does the text every reader sees, but where it sets the architectures side by side
        // (a table, each in its column).
        let text = '';
        const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {{
            const node = walker.currentNode, element = node.parentElement;
            if (visible(element) && !element.closest('table, pre, .arch-only')) text += node.textContent;
        }}
        for (const other of arches) {{
            if (other === arch) continue;
            const m = text.match(new RegExp('\\b(as|like|unlike|see) (on |in )?' + other + '\\b'));
            if (m) wrong.push('refers to ' + other + "'s part: " + m[0]);
        }}
        // A link within the page leads to something the reader sees.
        for (const a of main.querySelectorAll('a[href^="#"]')) {{
            if (!visible(a) || a.getAttribute('href') === '#') continue;
            const target = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
            if (target && !visible(target)) wrong.push('a link to a hidden part: ' + a.getAttribute('href'));
        }}
        // A link out of the book goes where the table of links says.
        for (const a of main.querySelectorAll('a[href*="://"]')) {{
            if (!addresses.has(a.getAttribute('href'))) wrong.push('a link from no table: ' + a.getAttribute('href'));
        }}
        // A walk keeps to the page's width: its boxes, and what it says beside them.
        for (const walk of main.querySelectorAll('pre.walk')) {{
            if (!visible(walk)) continue;
            const right = walk.getBoundingClientRect().right;
            if (walk.scrollWidth > walk.clientWidth + 1) wrong.push('a walk wider than the page: ' + walk.scrollWidth + ' > ' + walk.clientWidth);
            for (const box of walk.querySelectorAll('.walk-box')) {{
                if (box.getBoundingClientRect().right > right + 1) wrong.push('a walk box past the page: ' + box.innerText.trim());
            }}
        }}
        return [count, wrong];"##,
        commands = commands_with_arch(),
    );
    let answer = browser.run(&script);
    let count = answer[0].as_u64().unwrap() as usize;
    let wrong = serde_json::from_value(answer[1].clone()).unwrap();
    (count, wrong)
}

/// Opens `page` as `arch`'s reader, waiting for the page's script to show the reader's parts.
fn open_as(browser: &Browser, server: &Server, page: &str, arch: &str) {
    browser.open(&format!("{}?arch={arch}", server.url(page)));
    wait_for(
        browser,
        &format!("return document.documentElement.dataset.arch === {arch:?};"),
        &format!("{page}: the architecture was not chosen"),
    );
}

/// Every architecture's reader, in Chromium: the path from the introduction to the end of "Map a
/// page" has at most PATH_WORDS visible words (taking the longest of the setting-up pages), every
/// command shown is theirs, nothing shown refers to a part they cannot see, every link out of the
/// book is the table's, every walk keeps to the page's width, and every page loads cleanly. The exercise page is kept as a screenshot per
/// architecture (build/book-exercise-<arch>.png), and the counts are printed.
#[test]
fn in_chromium_each_architectures_reader_gets_a_short_path_and_their_own_commands() {
    let server = Server::start(built());
    let browser = Browser::start();
    let path = path();
    assert_eq!(
        path.first().map(|s| s[0].as_str()),
        Some("introduction.html")
    );
    assert_eq!(path.last().map(|s| s[0].as_str()), Some("exercise.html"));
    assert!(
        path.iter().any(|step| step.len() > 1),
        "no setting-up alternatives: {path:?}"
    );
    let all: Vec<String> = chapters().into_iter().map(|(page, _)| page).collect();
    let mut problems = Vec::new();
    let mut report = Vec::new();
    for arch in ARCHES.iter().map(|a| a.name) {
        let mut words: BTreeMap<String, usize> = BTreeMap::new();
        for page in &all {
            open_as(&browser, &server, page, arch);
            let (count, wrong) = read_as(&browser, arch);
            // BOOK_TEXT=1 keeps what each reader sees of each page, to read it as they would.
            if std::env::var_os("BOOK_TEXT").is_some() {
                let text = browser.run("return document.querySelector('main').innerText;");
                let dir = Project::here().build_dir().join("book-text").join(arch);
                fs::create_dir_all(&dir).unwrap();
                fs::write(
                    dir.join(page.replace(".html", ".txt")),
                    text.as_str().unwrap(),
                )
                .unwrap();
            }
            problems.extend(
                wrong
                    .into_iter()
                    .map(|w: String| format!("{arch} {page}: {w}")),
            );
            words.insert(page.clone(), count);
        }
        let on_path: usize = path
            .iter()
            .map(|step| step.iter().map(|p| words[p]).max().unwrap())
            .sum();
        let book: usize = words.values().sum();
        report.push(format!("{arch}: {on_path} words from the introduction to the end of \"Map a page\", {book} in the whole book"));
        if on_path > PATH_WORDS {
            problems.push(format!(
                "{arch}: the path has {on_path} visible words, more than {PATH_WORDS}: {words:?}"
            ));
        }
        // The walk of the stage that faults (the last walk shown outside an aside), as it is
        // drawn, to look at.
        open_as(&browser, &server, "exercise.html", arch);
        browser.run(
            "const walks = [...document.querySelectorAll('main pre.walk')]
                .filter(w => w.getClientRects().length > 0 && !w.closest('details:not([open])'));
            walks[walks.length - 1].id = 'walk-to-look-at';",
        );
        let walk = browser.find("#walk-to-look-at");
        let shot = browser.call("GET", &format!("/element/{walk}/screenshot"), None);
        let png = Project::here()
            .build_dir()
            .join(format!("book-walk-{arch}.png"));
        fs::write(&png, base64_decode(shot.as_str().unwrap())).unwrap();
        report.push(format!("  a walk: {}", png.display()));
        // The exercise page, whole. Its asides are closed, and what they hold is not counted.
        open_as(&browser, &server, "exercise.html", arch);
        let (closed, _) = read_as(&browser, arch);
        browser.run("document.querySelectorAll('details').forEach(d => d.open = true);");
        let (opened, _) = read_as(&browser, arch);
        assert!(
            opened > closed,
            "{arch}: the asides' words are counted while closed"
        );
        browser.run("document.querySelectorAll('details').forEach(d => d.open = false);");
        let height = browser
            .run("return document.documentElement.scrollHeight;")
            .as_u64()
            .unwrap();
        browser.call(
            "POST",
            "/window/rect",
            Some(&json!({"width": 1280, "height": height.min(20000)})),
        );
        let shot = browser.call("GET", "/screenshot", None);
        let png = Project::here()
            .build_dir()
            .join(format!("book-exercise-{arch}.png"));
        fs::write(&png, base64_decode(shot.as_str().unwrap())).unwrap();
        browser.call(
            "POST",
            "/window/rect",
            Some(&json!({"width": 1280, "height": 1000})),
        );
        report.push(format!("  the exercise page: {}", png.display()));
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        server.failed().is_empty(),
        "requests that failed: {:?}",
        server.failed()
    );
    let severe = browser.severe_log();
    assert!(severe.is_empty(), "the browser's errors: {severe:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let sextets: Vec<u8> = text.bytes().filter_map(value).collect();
    sextets
        .chunks(4)
        .flat_map(|c| {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &s)| n | u32::from(s) << (18 - 6 * i));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(c.len().saturating_sub(1))
        })
        .collect()
}

/// The lines under `// TODO <title>` in `text`, a shipped file, as it has them commented out: each
/// with the comment's `// ` (at the TODO's indentation) and that indentation taken off.
fn commented_solution(text: &str, title: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("// TODO {title}"))
        .unwrap_or_else(|| panic!("no `// TODO {title}`"));
    let indent = lines[at].len() - lines[at].trim_start().len();
    lines[at + 1..]
        .iter()
        .take_while(|l| {
            let code = l.trim_start();
            code.starts_with("//") && !code.starts_with("// TODO ")
        })
        .map(|l| {
            let rest = l[indent..].strip_prefix("//").unwrap();
            rest.strip_prefix(' ').unwrap_or(rest).to_owned()
        })
        .collect()
}

/// The TODO titles of `exercise`'s shipped file, in order.
fn todo_titles(exercise: catalogue::ExerciseRef) -> Vec<String> {
    let text = fs::read_to_string(Project::here().shipped(exercise.exercise.file)).unwrap();
    xtask::exercise::stages::analyse(exercise, &text)
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect()
}

/// Every step of every exercise, on every architecture, has its solution in the book once, closed
/// (a `<details>` without `open`), named by its TODO.
#[test]
fn every_todo_of_every_exercise_has_its_solution_in_the_book_closed() {
    let mut shown: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for page in html_files(built()) {
        if page.ends_with("print.html") {
            continue;
        }
        let html = fs::read_to_string(&page).unwrap();
        for (at, _) in html.match_indices("<details class=\"solution\"") {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            assert!(!tag.contains(" open"), "{}: {tag}", page.display());
            let value = |name: &str| attribute_values(tag, name)[0].replace("&amp;", "&");
            let key = (
                value("data-arch"),
                value("data-exercise"),
                value("data-todo"),
            );
            *shown.entry(key).or_default() += 1;
        }
    }
    let mut wrong = Vec::new();
    for arch in ARCHES.iter() {
        for exercise in arch.exercises() {
            for title in todo_titles(exercise) {
                let key = (
                    arch.name.to_owned(),
                    exercise.exercise.name.to_owned(),
                    title,
                );
                match shown.remove(&key) {
                    Some(1) => {}
                    n => wrong.push(format!("{key:?} shown {} times", n.unwrap_or(0))),
                }
            }
        }
    }
    wrong.extend(shown.keys().map(|k| format!("{k:?}: no such TODO")));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every architecture's reader, in Chromium: each step's solution, on every page, is closed and
/// unseen until its summary is clicked, and then shows the very lines that the shipped file holds
/// commented out under its TODO; every TODO of every exercise is there. An opened solution of the
/// main exercise is kept as a picture (build/book-solution-<arch>.png).
#[test]
fn in_chromium_each_solution_is_closed_until_clicked_and_then_the_files_commented_lines() {
    let server = Server::start(built());
    let browser = Browser::start();
    let project = Project::here();
    let pages: Vec<String> = chapters().into_iter().map(|(page, _)| page).collect();
    let mut problems = Vec::new();
    for arch in ARCHES.iter() {
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for page in &pages {
            open_as(&browser, &server, page, arch.name);
            let found = browser.run(
                "const shown = [...document.querySelectorAll('main details.solution')]
                    .filter(d => d.getClientRects().length > 0);
                shown.forEach((d, i) => d.id = 'solution-' + i);
                return shown.map(d => [d.dataset.exercise, d.dataset.todo, d.open,
                    d.querySelector('code').checkVisibility()]);",
            );
            for (i, found) in found.as_array().unwrap().iter().enumerate() {
                let (exercise, todo) = (found[0].as_str().unwrap(), found[1].as_str().unwrap());
                if found[2] == true || found[3] == true {
                    problems.push(format!(
                        "{arch} {page}: the solution of {todo:?} shows unasked"
                    ));
                }
                browser.click(&format!("#solution-{i} > summary"));
                let code = browser.run(&format!(
                    "const d = document.getElementById('solution-{i}');
                    const code = d.querySelector('code');
                    return [d.open, code.checkVisibility(), code.innerText];"
                ));
                if code[0] != true || code[1] != true {
                    problems.push(format!("{arch} {page}: {todo:?} does not open on a click"));
                }
                let exercise_ref = arch.find_exercise(exercise).unwrap();
                let text = fs::read_to_string(project.shipped(exercise_ref.exercise.file)).unwrap();
                let expected = commented_solution(&text, todo);
                let lines: Vec<String> = code[2]
                    .as_str()
                    .unwrap()
                    .trim_end_matches('\n')
                    .lines()
                    .map(str::to_owned)
                    .collect();
                if lines != expected {
                    problems.push(format!(
                        "{arch} {page}: {todo:?} shows {lines:#?}, the file has {expected:#?}"
                    ));
                }
                if exercise_ref.is_main() && !seen.contains_key(exercise) {
                    let png = project
                        .build_dir()
                        .join(format!("book-solution-{arch}.png"));
                    browser.element_screenshot(&format!("#solution-{i}"), &png);
                }
                seen.entry(exercise.to_owned())
                    .or_default()
                    .push(todo.to_owned());
            }
        }
        for exercise in arch.exercises() {
            let shown = seen.remove(exercise.exercise.name).unwrap_or_default();
            if shown != todo_titles(exercise) {
                problems.push(format!(
                    "{arch} {}: the solutions shown are {shown:?}, not one per TODO",
                    exercise.exercise.name
                ));
            }
        }
    }
    let severe = browser.severe_log();
    assert!(severe.is_empty(), "the browser's errors: {severe:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every architecture's reader, in Chromium: after each stage of the main exercise come its
/// questions, that architecture's only (another's are never shown), closed until opened; each
/// takes the answer the recordings give (xtask::book::questions, from docs/book/recorded) as right,
/// and a wrong one as wrong, and then shows the right answer, why, and the walk that shows it. A
/// question answered wrongly is kept as a picture (build/book-question-wrong-<arch>.png).
#[test]
fn in_chromium_each_question_takes_the_recorded_answer_and_explains_a_wrong_one() {
    let server = Server::start(built());
    let browser = Browser::start();
    let project = Project::here();
    let mut problems = Vec::new();
    let mut report = Vec::new();
    for arch in ARCHES.iter() {
        open_as(&browser, &server, "exercise.html", arch.name);
        let groups = browser.run(
            "return [...document.querySelectorAll('details.questions')].map(g =>
                [g.dataset.arch, g.dataset.stage, g.getClientRects().length > 0, g.open]);",
        );
        let mut shown = Vec::new();
        for group in groups.as_array().unwrap() {
            let (of, stage) = (group[0].as_str().unwrap(), group[1].as_str().unwrap());
            match (group[2] == true, of == arch.name) {
                (true, true) => shown.push(stage.to_owned()),
                (true, false) => problems.push(format!("{arch}: {of}'s questions on {stage} show")),
                (false, true) => {
                    problems.push(format!("{arch}: its questions on {stage} are hidden"))
                }
                (false, false) => {}
            }
            if group[3] == true {
                problems.push(format!("{arch}: the questions on {stage} are open unasked"));
            }
        }
        let stages: Vec<String> = arch
            .main_exercise()
            .stages()
            .map(|s| s.name().to_owned())
            .collect();
        assert_eq!(shown, stages, "{arch}: the stages with questions");
        let mut count = 0;
        for stage in arch.main_exercise().stages() {
            let questions = xtask::book::questions::of_stage(&project, stage).unwrap();
            let group = format!(
                "details.questions[data-arch='{arch}'][data-stage='{}']",
                stage.name()
            );
            browser.click(&format!("{group} > summary"));
            for (n, question) in questions.iter().enumerate() {
                count += 1;
                let at = format!("{group} .question:nth-of-type({})", n + 1);
                let name = format!("{arch}/{} question {}", stage.name(), n + 1);
                let text = browser.run(&format!(
                    "return document.querySelector(\"{at} .question-text\").innerText;"
                ));
                if text.as_str().map(|t| t.replace('`', "")) != Some(question.text.replace('`', ""))
                {
                    problems.push(format!("{name}: shows {text}, not {:?}", question.text));
                }
                // A wrong answer first, then the recordings' own.
                for right in [false, true] {
                    match &question.answer {
                        Answer::Choice { choices, right: r } => {
                            let pick = if right { *r } else { (r + 1) % choices.len() };
                            browser.click(&format!("{at} input[value='{pick}']"));
                        }
                        Answer::Number(v) | Answer::Address(v) => {
                            let given = match (&question.answer, right) {
                                (Answer::Number(_), true) => v.to_string(),
                                (Answer::Number(_), false) => (v + 1).to_string(),
                                (_, true) => format!("{v:#x}"),
                                (_, false) => format!("{:#x}", v + 0x1000),
                            };
                            browser.clear(&format!("{at} input.question-input"));
                            browser.type_into(&format!("{at} input.question-input"), &given);
                        }
                    }
                    browser.click(&format!("{at} button"));
                    let state = browser.run(&format!(
                        "const q = document.querySelector(\"{at}\");
                        const feedback = q.querySelector('.question-feedback');
                        const walk = feedback.querySelector('pre.walk');
                        return [q.dataset.verdict || '', feedback.getClientRects().length > 0,
                            q.querySelector('.question-verdict').innerText,
                            q.querySelector('.question-answer').innerText,
                            walk !== null && walk.getClientRects().length > 0,
                            feedback.innerText];"
                    ));
                    let verdict = if right { "right" } else { "wrong" };
                    if state[0] != verdict || state[1] != true || state[4] != true {
                        problems.push(format!("{name}: answered {verdict}ly, it shows {state}"));
                    }
                    if state[3].as_str() != Some(question.answer.text().as_str()) {
                        problems.push(format!(
                            "{name}: gives {} as the answer, the recordings {}",
                            state[3],
                            question.answer.text()
                        ));
                    }
                    let why = question.why[0].replace('`', "");
                    if !state[5].as_str().unwrap_or_default().contains(&why) {
                        problems.push(format!("{name}: does not say why: {why}"));
                    }
                    if !right
                        && !state[2]
                            .as_str()
                            .unwrap_or_default()
                            .starts_with("Not quite")
                    {
                        problems.push(format!("{name}: a wrong answer is told {}", state[2]));
                    }
                    // The status question of the stage that faults, answered wrongly, to look at.
                    if !right && question.text.contains("What does the status say?") {
                        let png = project
                            .build_dir()
                            .join(format!("book-question-wrong-{arch}.png"));
                        browser.element_screenshot(&at, &png);
                        report.push(format!("a question answered wrongly: {}", png.display()));
                    }
                }
            }
        }
        report.push(format!("{arch}: {count} questions"));
    }
    eprintln!("{}", report.join("\n"));
    let severe = browser.severe_log();
    assert!(severe.is_empty(), "the browser's errors: {severe:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every architecture's reader, in Chromium: the practice page's problems, for fixed seeds (typed
/// in, as a reader would), agree with a walk of the same tables: the address and the entries the
/// page lists, walked by walk.rs (`walk_with`) with the walk's own decoder from the root the
/// register it names holds, draw the very lines the page gives as the answer; that answer is
/// taken as right and another as wrong; the page's address carries the seed, and opened again
/// it shows the same problem. Each architecture's first problem is printed, with its answer, and
/// kept answered as a picture (build/book-practice-<arch>.png).
#[test]
fn in_chromium_the_practice_problems_agree_with_a_walk_of_the_same_tables() {
    const SEEDS: u32 = 20;
    let server = Server::start(built());
    let browser = Browser::start();
    let project = Project::here();
    let mut problems = Vec::new();
    let mut report = Vec::new();
    let (mut pages, mut empties) = (0, 0);
    for arch in ARCHES.iter() {
        let tables = xtask::book::recorded_walk::of_stage(&project, arch.main_exercise().start())
            .unwrap()
            .tables;
        open_as(&browser, &server, "practice.html", arch.name);
        let part = format!(".practice[data-arch='{arch}']");
        for seed in 1..=SEEDS {
            browser.clear(&format!("{part} .practice-seed-input"));
            browser.type_into(&format!("{part} .practice-seed-input"), &seed.to_string());
            browser.click(&format!("{part} .practice-seed button[type='submit']"));
            let shown = browser.run(&format!(
                "const box = document.querySelector(\"{part} .practice-problem\");
                return {{seed: box.dataset.seed, search: location.search,
                    address: box.querySelector('.practice-address').innerText,
                    register: box.querySelector('.practice-root').innerText,
                    tables: [...box.querySelectorAll('table.practice-table')].map(t => [
                        t.caption.innerText,
                        [...t.querySelectorAll('tr')].map(r => [r.cells[0].innerText, r.cells[1].innerText])]),
                    answer: [...box.querySelectorAll('.practice-feedback pre.walk > span')]
                        .map(s => s.textContent)}};"
            ));
            let name = format!("{arch} seed {seed}");
            assert_eq!(shown["seed"], seed.to_string(), "{name}");
            assert!(
                shown["search"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("seed={seed}")),
                "{name}: the page's address does not carry the seed: {}",
                shown["search"]
            );
            let number = |text: &str| xtask::walk::addresses::parse_number(text.trim()).unwrap();
            let address = number(shown["address"].as_str().unwrap());
            let register = number(
                shown["register"]
                    .as_str()
                    .unwrap()
                    .rsplit_once(" = ")
                    .unwrap()
                    .1,
            );
            // The tables as the page lists them, in memory: every entry it does not list is 0.
            let mut memory = BTreeMap::new();
            for table in shown["tables"].as_array().unwrap() {
                let caption = table[0].as_str().unwrap();
                let at = caption
                    .split(" at ")
                    .nth(1)
                    .unwrap()
                    .split(',')
                    .next()
                    .unwrap();
                let at = number(at);
                for row in table[1].as_array().unwrap() {
                    let index = row[0].as_str().unwrap().trim_matches(['[', ']']);
                    let index: u64 = index.parse().unwrap();
                    let raw = number(row[1].as_str().unwrap());
                    memory.insert(at + index * tables.format.entry_bytes(), raw);
                }
            }
            let root = tables.format.root_from_register(register);
            let walk = xtask::walk::walk_with(
                &tables,
                root,
                register,
                &xtask::walk::Address {
                    name: "the address".into(),
                    value: address,
                },
                |at, _| Ok(memory.get(&at).copied().unwrap_or(0)),
            )
            .unwrap();
            let drawn = walk.render();
            let answer: Vec<String> = serde_json::from_value(shown["answer"].clone()).unwrap();
            if answer[..] != drawn[1..] {
                problems.push(format!(
                    "{name}: the page's answer\n{}\nis not the walk of its tables\n{}",
                    answer.join("\n"),
                    drawn[1..].join("\n")
                ));
                continue;
            }
            // The answer the walk gives, and a wrong one: a physical address, or the table whose
            // entry is empty (its depth, as the page's menu of tables numbers them).
            let levels = tables.levels().len();
            let (kind, right, wrong) = match (walk.page(), walk.unresolved_bits()) {
                (Some(page), _) => {
                    pages += 1;
                    let at = page.physical + (address & (page.size - 1));
                    ("page", format!("{at:#x}"), format!("{:#x}", at ^ 0x1000))
                }
                (None, Some(_)) => {
                    empties += 1;
                    let depth = walk.steps.len() - 1;
                    (
                        "empty",
                        depth.to_string(),
                        ((depth + 1) % levels).to_string(),
                    )
                }
                (None, None) => panic!("{name}: a walk that ends nowhere"),
            };
            if seed <= 3 {
                for (given, verdict) in [(&wrong, "wrong"), (&right, "right")] {
                    browser.click(&format!("{part} input[value='{kind}']"));
                    match kind {
                        "page" => {
                            browser.clear(&format!("{part} .practice-physical"));
                            browser.type_into(&format!("{part} .practice-physical"), given);
                        }
                        _ => browser
                            .click(&format!("{part} .practice-level option[value='{given}']")),
                    }
                    browser.click(&format!("{part} .practice-form button[type='submit']"));
                    let state = browser.run(&format!(
                        "const box = document.querySelector(\"{part} .practice-problem\");
                        return [box.dataset.verdict || '',
                            box.querySelector('.practice-feedback pre.walk').getClientRects().length > 0];"
                    ));
                    if state != json!([verdict, true]) {
                        problems.push(format!(
                            "{name}: {given} is taken as {state}, not {verdict}"
                        ));
                    }
                }
            }
            if seed == 1 {
                let mut sample = vec![format!(
                    "{arch}, problem 1: translate {address:#x} ({} = {register:#x})",
                    tables.format.root_register_name()
                )];
                for table in shown["tables"].as_array().unwrap() {
                    let rows: Vec<String> = table[1]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| format!("{} {}", r[0].as_str().unwrap(), r[1].as_str().unwrap()))
                        .collect();
                    sample.push(format!(
                        "  {}: {}",
                        table[0].as_str().unwrap(),
                        rows.join(", ")
                    ));
                }
                let answer = browser.run(&format!(
                    "return document.querySelector(\"{part} .practice-answer\").textContent;"
                ));
                sample.push(format!("  {}", answer.as_str().unwrap()));
                let png = project
                    .build_dir()
                    .join(format!("book-practice-{arch}.png"));
                browser.element_screenshot(&format!("{part} .practice-problem"), &png);
                sample.push(format!(
                    "  (answered, as the page shows it: {})",
                    png.display()
                ));
                sample.extend(drawn[1..].iter().map(|l| format!("  {l}")));
                report.push(sample.join("\n"));
            }
        }
        // The page's address, opened again, shows the same problem.
        browser.open(&format!(
            "{}?arch={arch}&seed=7",
            server.url("practice.html")
        ));
        let first = browser.run(&format!(
            "return document.querySelector(\"{part} .practice-address\").innerText;"
        ));
        browser.open(&format!(
            "{}?arch={arch}&seed=7",
            server.url("practice.html")
        ));
        let again = browser.run(&format!(
            "return document.querySelector(\"{part} .practice-address\").innerText;"
        ));
        assert_eq!(
            first, again,
            "{arch}: seed 7 is another problem when opened again"
        );
    }
    eprintln!("{}", report.join("\n"));
    eprintln!("{pages} problems end at a page, {empties} at an empty entry");
    assert!(
        pages > 0 && empties > 0,
        "{pages} end at a page, {empties} at an empty entry"
    );
    assert!(
        server.failed().is_empty(),
        "requests that failed: {:?}",
        server.failed()
    );
    let severe = browser.severe_log();
    assert!(severe.is_empty(), "the browser's errors: {severe:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
