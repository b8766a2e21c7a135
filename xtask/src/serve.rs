//! `cargo xtask serve [--port N]`: serves the repository root on http://localhost:N (8080 by
//! default), loopback only, with the right MIME types and gzip for what the client accepts.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

use crate::shell;

pub fn run(args: &[String]) -> Result<(), String> {
    let port = parse_port(args)?;
    crate::data::mnist()?;
    crate::wasm::build_page()?;
    let listener = bind(port)?;
    eprintln!(
        "serving {} on http://localhost:{port}/ (Ctrl-C stops)",
        shell::root().display()
    );
    accept(listener);
    Ok(())
}

/// Serves the repository root on an ephemeral loopback port from a background thread (for the
/// end-to-end tests); returns the port.
pub fn spawn() -> Result<u16, String> {
    let listener = bind(0)?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    std::thread::spawn(move || accept(listener));
    Ok(port)
}

fn bind(port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))
}

fn accept(listener: TcpListener) {
    let root = shell::root();
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        std::thread::spawn(move || {
            if let Err(e) = respond(stream, &root) {
                eprintln!("serve: {e}");
            }
        });
    }
}

fn parse_port(args: &[String]) -> Result<u16, String> {
    match args {
        [] => Ok(8080),
        [flag, value] if flag == "--port" => value
            .parse()
            .map_err(|_| format!("--port takes a number from 1 to 65535, got '{value}'")),
        _ => Err("usage: cargo xtask serve [--port N]".to_string()),
    }
}

/// Answers one GET request with a file under `root`.
fn respond(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut accepts_gzip = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if lower.starts_with("accept-encoding:") && lower.contains("gzip") {
            accepts_gzip = true;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let Some(file) = resolve(root, path) else {
        return write_response(
            &mut stream,
            "404 Not Found",
            "text/plain",
            None,
            b"not found",
        );
    };
    let gzipped = file.with_file_name(format!(
        "{}.gz",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let (body, encoding) = if accepts_gzip && gzipped.is_file() {
        (std::fs::read(&gzipped)?, Some("gzip"))
    } else {
        (std::fs::read(&file)?, None)
    };
    write_response(&mut stream, "200 OK", mime(&file), encoding, &body)
}

/// The file a URL path names, refusing anything outside `root`; a folder serves its index.html.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn mime(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("csv") => "text/csv",
        _ => "application/octet-stream",
    }
}

fn write_response(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    encoding: Option<&str>,
    body: &[u8],
) -> std::io::Result<()> {
    let encoding = encoding.map_or(String::new(), |e| format!("Content-Encoding: {e}\r\n"));
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{encoding}Content-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)
}
