//! The user's own 2-D points: parsing a CSV file (two numbers per line).

/// Parses `text` as 2-D points: one point per line, two numbers separated by a comma, semicolon,
/// tab or spaces; an optional header line of names; blank lines and lines starting with `#`
/// skipped. The error names the first offending line.
pub fn parse_csv(text: &str) -> Result<Vec<[f32; 2]>, String> {
    let mut points = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split([',', ';', '\t', ' ']).filter(|f| !f.is_empty()).collect();
        let numbers: Vec<f32> = fields.iter().filter_map(|f| f.parse::<f32>().ok()).collect();
        let is_header = points.is_empty() && numbers.is_empty() && fields.len() == 2;
        if is_header {
            continue;
        }
        match numbers.as_slice() {
            [x, y] if fields.len() == 2 && x.is_finite() && y.is_finite() => points.push([*x, *y]),
            _ => return Err(format!("line {}: expected two numbers (x, y), found “{}”", index + 1, truncate(line))),
        }
    }
    if points.len() < 2 {
        return Err(format!("the file holds {} point(s); at least 2 are needed", points.len()));
    }
    Ok(points)
}

fn truncate(line: &str) -> String {
    if line.chars().count() <= 40 { line.to_string() } else { format!("{}…", line.chars().take(40).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn reads_points_with_a_header_and_any_separator() {
        let points = parse_csv("x,y\n1,2\n# comment\n\n3.5;-4\n5\t6e-1\n 7  8 \n").unwrap();
        assert_eq!(points, vec![[1.0, 2.0], [3.5, -4.0], [5.0, 0.6], [7.0, 8.0]]);
    }

    #[test]
    fn names_the_bad_line() {
        assert_eq!(parse_csv("1,2\n3,4,5\n").unwrap_err(), "line 2: expected two numbers (x, y), found “3,4,5”");
        assert!(parse_csv("1,2\nnan,4\n").unwrap_err().starts_with("line 2"));
        assert!(parse_csv("\u{89}PNG\r\n\u{1a}\n").unwrap_err().starts_with("line 1"));
        assert!(parse_csv("1,2\n").unwrap_err().contains("at least 2"));
    }
}
