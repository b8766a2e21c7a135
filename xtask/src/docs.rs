//! The documentation check that `cargo xtask test` starts with (alone: `cargo xtask docs`).
//!
//! README.md stays a page a newcomer reads in two minutes, at most [`README_MAX_LINES`] lines,
//! and every relative link `[text](path)` or image `![alt](path)` of the repository's Markdown
//! files (README.md, docs/*.md, results/**/*.md, www/**/*.md) points at a file or folder that
//! exists. Absolute URLs (`https:`, `mailto:`, any scheme) and pure anchors (`#…`) are not
//! checked, nor the anchor of `path#anchor`; links inside code spans and fenced code blocks are
//! not links.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::shell;

/// The most lines README.md may have; the rest belongs in docs/ and results/.
pub const README_MAX_LINES: usize = 150;

/// Folders never searched for Markdown files: installed packages, not the project's text.
const SKIPPED_DIRS: [&str; 2] = ["node_modules", "vendor"];

/// Checks the repository's documentation, failing with every problem found.
pub fn check() -> Result<(), String> {
    let problems = problems(&shell::root());
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the documentation check found {} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    ))
}

/// What is wrong with the documentation of the repository at `root`, one sentence a problem.
pub fn problems(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    match fs::read_to_string(root.join("README.md")) {
        Ok(text) => {
            let lines = text.lines().count();
            if lines > README_MAX_LINES {
                problems.push(format!(
                    "README.md has {lines} lines, more than {README_MAX_LINES}: move the details \
                     into docs/ or results/ and link them"
                ));
            }
        }
        Err(e) => problems.push(format!("cannot read README.md: {e}")),
    }
    for file in markdown_files(root) {
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = match fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("cannot read {shown}: {e}"));
                continue;
            }
        };
        for link in links(&text) {
            let Some(path) = local_path(&link.target) else {
                continue;
            };
            let resolved = match path.strip_prefix('/') {
                Some(from_root) => root.join(from_root),
                None => file.parent().unwrap_or(root).join(&path),
            };
            if !resolved.exists() {
                let kind = if link.image { "image" } else { "link" };
                problems.push(format!(
                    "{shown}:{}: the {kind} ({}) points at {}, which does not exist",
                    link.line,
                    link.target,
                    lexically_normal(resolved.strip_prefix(root).unwrap_or(&resolved)).display()
                ));
            }
        }
    }
    problems
}

/// `path` with its `.` and `..` components resolved as text, for messages.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// The Markdown files checked: README.md, docs/*.md, results/**/*.md and www/**/*.md.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    markdown_in(&root.join("docs"), false, &mut files);
    markdown_in(&root.join("results"), true, &mut files);
    markdown_in(&root.join("www"), true, &mut files);
    files
}

/// Adds the `.md` files of `dir` (and with `recursive` of its subfolders, but not
/// [`SKIPPED_DIRS`]) to `files`, in name order; a missing folder adds none.
fn markdown_in(dir: &Path, recursive: bool, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            let skipped = path
                .file_name()
                .is_some_and(|name| SKIPPED_DIRS.iter().any(|s| name == *s));
            if recursive && !skipped {
                markdown_in(&path, true, files);
            }
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
}

/// A link or image of a Markdown text.
#[derive(Debug, PartialEq, Eq)]
pub struct Link {
    /// The destination as written: a URL, a path, `path#anchor` or `#anchor`.
    pub target: String,
    /// `![alt](target)` rather than `[text](target)`.
    pub image: bool,
    /// The line (from 1) of the `](` or of the reference definition.
    pub line: usize,
}

/// The inline links and images `[text](target)`, `![alt](target)` and the reference definitions
/// `[label]: target` of `markdown`, outside code spans and fenced code blocks. The text may span
/// lines; a blank line ends an unclosed `[` or backtick.
pub fn links(markdown: &str) -> Vec<Link> {
    // The text with fenced blocks emptied, every line kept so that line numbers stay the file's.
    let mut prose = String::new();
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(marker)) => fence = Some(marker),
            (Some(open), Some(marker)) if open == marker => fence = None,
            (None, None) => prose.push_str(line),
            _ => {}
        }
        prose.push('\n');
    }
    let prose = without_code_spans(&prose);
    let mut links: Vec<Link> = prose
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            reference_definition(line).map(|target| Link {
                target,
                image: false,
                line: index + 1,
            })
        })
        .collect();
    inline_links(&prose, &mut links);
    links.sort_by_key(|link| link.line);
    links
}

/// `text` with the contents of its code spans (`` `…` ``, ``` ``…`` ```) blanked out, line breaks
/// kept. A span may cross a line break but not a blank line.
fn without_code_spans(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let blank_line_at = |j: usize| {
        chars[j] == '\n'
            && chars[j + 1..]
                .iter()
                .take_while(|&&c| c != '\n')
                .all(|c| c.is_whitespace())
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&c| c == '`').count();
        // The span closes at the next run of exactly as many backticks.
        let mut j = i + run;
        let mut close = None;
        while j < chars.len() && !blank_line_at(j) {
            if chars[j] == '`' {
                let other = chars[j..].iter().take_while(|&&c| c == '`').count();
                if other == run {
                    close = Some(j);
                    break;
                }
                j += other;
            } else {
                j += 1;
            }
        }
        match close {
            Some(j) => {
                let span = &chars[i..j + run];
                out.extend(span.iter().map(|&c| if c == '\n' { c } else { ' ' }));
                i = j + run;
            }
            None => {
                out.extend(&chars[i..i + run]);
                i += run;
            }
        }
    }
    out
}

/// The target of a reference definition `[label]: target` (up to three spaces of indent).
fn reference_definition(line: &str) -> Option<String> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line[indent..].strip_prefix('[')?;
    if indent > 3 || rest.starts_with('^') {
        return None;
    }
    let (label, after) = rest.split_once("]:")?;
    if label.trim().is_empty() || label.contains('[') || label.contains(']') {
        return None;
    }
    let target = after.split_whitespace().next()?;
    let target = target
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(target);
    Some(target.to_string())
}

/// Adds the inline links and images of `prose` (code already blanked out) to `links`.
fn inline_links(prose: &str, links: &mut Vec<Link>) {
    let chars: Vec<char> = prose.chars().collect();
    // The open brackets, each an image's (`![`) or a link's.
    let mut open: Vec<bool> = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\n' => {
                line += 1;
                if chars.get(i + 1) == Some(&'\n') {
                    open.clear();
                }
            }
            '\\' if chars.get(i + 1).is_some_and(|&c| c != '\n') => i += 1,
            '[' => open.push(i > 0 && chars[i - 1] == '!'),
            ']' => {
                if let Some(image) = open.pop()
                    && chars.get(i + 1) == Some(&'(')
                    && let Some((target, end)) = destination(&chars, i + 2)
                {
                    links.push(Link {
                        target,
                        image,
                        line,
                    });
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The destination starting at `chars[start]` (just after `](`) and where the scan goes on: `<…>`,
/// or up to whitespace or the `)` that closes the link (balanced parentheses belong to it).
fn destination(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut i = start;
    while chars.get(i).is_some_and(|&c| c == ' ' || c == '\t') {
        i += 1;
    }
    let mut target = String::new();
    if chars.get(i) == Some(&'<') {
        i += 1;
        while let Some(&c) = chars.get(i) {
            i += 1;
            match c {
                '>' => return Some((target, i)),
                '\n' => return None,
                _ => target.push(c),
            }
        }
        return None;
    }
    let mut depth = 0_usize;
    while let Some(&c) = chars.get(i) {
        match c {
            ')' if depth == 0 => break,
            ')' => depth -= 1,
            '(' => depth += 1,
            c if c.is_whitespace() => break,
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    target.push(next);
                    i += 2;
                    continue;
                }
            }
            _ => {}
        }
        target.push(c);
        i += 1;
    }
    (depth == 0).then_some((target, i))
}

/// The file a link's target names, relative to its Markdown file (or with a leading `/` to the
/// repository root), without its `#anchor` or `?query`; `None` for an absolute URL (any
/// `scheme:`, or `//host`), a pure anchor or an empty target.
pub fn local_path(target: &str) -> Option<String> {
    let target = target.trim();
    if target.is_empty() || target.starts_with('#') || target.starts_with("//") {
        return None;
    }
    let scheme = target.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if scheme {
        return None;
    }
    let path = target.split(['#', '?']).next().unwrap_or_default();
    (!path.is_empty()).then(|| percent_decoded(path))
}

/// `path` with its `%XX` escapes decoded (a malformed one is kept as written).
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(markdown: &str) -> Vec<(String, bool, usize)> {
        links(markdown)
            .into_iter()
            .map(|l| (l.target, l.image, l.line))
            .collect()
    }

    #[test]
    fn a_link() {
        assert_eq!(
            targets("The method is in [method.md](docs/method.md), and more."),
            [("docs/method.md".to_string(), false, 1)]
        );
    }

    #[test]
    fn an_image_whose_alt_text_has_parentheses() {
        let markdown = "text\n\n![The page: lines (red, dashed) and φ](docs/screenshot.png)\n";
        assert_eq!(
            targets(markdown),
            [("docs/screenshot.png".to_string(), true, 3)]
        );
    }

    #[test]
    fn a_url_is_found_but_not_checked() {
        assert_eq!(
            targets("built on [burn](https://burn.dev)")[0].0,
            "https://burn.dev"
        );
        assert_eq!(local_path("https://burn.dev"), None);
        assert_eq!(local_path("http://localhost:8080"), None);
        assert_eq!(local_path("mailto:someone@example.org"), None);
        assert_eq!(local_path("//example.org/x.md"), None);
    }

    #[test]
    fn a_pure_anchor_is_not_checked() {
        assert_eq!(targets("see [below](#speed)")[0].0, "#speed");
        assert_eq!(local_path("#speed"), None);
        assert_eq!(local_path(""), None);
    }

    #[test]
    fn a_path_with_an_anchor_names_its_file() {
        assert_eq!(
            local_path("method.md#13-the-datas-frame"),
            Some("method.md".to_string())
        );
        assert_eq!(
            local_path("../results/README.md?plain=1#speed"),
            Some("../results/README.md".to_string())
        );
        assert_eq!(local_path("a%20b.md"), Some("a b.md".to_string()));
    }

    #[test]
    fn link_text_may_span_lines_and_destinations_nest_parentheses() {
        let markdown = "as [the page's\nmanual](docs/page.md) says; [f(x)](a_(b).md \"title\")";
        assert_eq!(
            targets(markdown),
            [
                ("docs/page.md".to_string(), false, 2),
                ("a_(b).md".to_string(), false, 2)
            ]
        );
    }

    #[test]
    fn an_image_inside_a_link_and_angle_brackets() {
        assert_eq!(
            targets("[![logo](logo.png)](<docs/a b.md>)"),
            [
                ("logo.png".to_string(), true, 1),
                ("docs/a b.md".to_string(), false, 1)
            ]
        );
    }

    #[test]
    fn code_is_not_prose() {
        let markdown = "`[not](a.md)` and ``x`[nor](b.md)`` but [yes](c.md)\n\
                        ```sh\n[inside](d.md)\n```\n\
                        ~~~\n```\n[still inside](e.md)\n~~~\n[after](f.md)\n";
        assert_eq!(
            targets(markdown),
            [
                ("c.md".to_string(), false, 1),
                ("f.md".to_string(), false, 9)
            ]
        );
    }

    #[test]
    fn a_code_span_may_cross_a_line_break_but_not_a_blank_line() {
        let markdown = "(`wasm-pack test [a](a.md)\n--release`, [b](b.md))\n`open\n\n[c](c.md) `";
        assert_eq!(
            targets(markdown),
            [
                ("b.md".to_string(), false, 2),
                ("c.md".to_string(), false, 5)
            ]
        );
    }

    #[test]
    fn brackets_that_are_not_links() {
        let markdown =
            "pixels uniform in [0, 0.5] (a source), x ∈ [0, 1)\n\nan escaped \\[x](y.md)";
        assert_eq!(targets(markdown), []);
    }

    #[test]
    fn reference_definitions() {
        let markdown =
            "[the method][m]\n\n[m]: docs/method.md \"the method\"\n   [u]: <https://burn.dev>\n";
        assert_eq!(
            targets(markdown),
            [
                ("docs/method.md".to_string(), false, 3),
                ("https://burn.dev".to_string(), false, 4)
            ]
        );
    }

    #[test]
    fn problems_name_a_long_readme_and_each_missing_target() {
        let root = std::env::temp_dir().join(format!("xtask-docs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("docs")).unwrap();
        fs::create_dir_all(root.join("www/vendor")).unwrap();
        let mut readme = String::from(
            "[ok](docs/a.md) [gone](docs/missing.md#x) ![pic](missing.png) [web](https://x.org)\n",
        );
        readme.push_str(&"line\n".repeat(README_MAX_LINES));
        fs::write(root.join("README.md"), readme).unwrap();
        fs::write(
            root.join("docs/a.md"),
            "[up](../README.md) [root](/docs/a.md) [folder](.) [#](#top)",
        )
        .unwrap();
        fs::write(root.join("www/vendor/skipped.md"), "[x](nowhere.md)").unwrap();
        let problems = problems(&root);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].contains(&format!("{} lines", README_MAX_LINES + 1)));
        assert!(problems[1].starts_with("README.md:1: the link (docs/missing.md#x)"));
        assert!(problems[2].starts_with("README.md:1: the image (missing.png)"));
        assert_eq!(
            lexically_normal(Path::new("docs/../www/./x.md")),
            Path::new("www/x.md")
        );
    }
}
