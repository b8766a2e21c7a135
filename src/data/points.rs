//! Points from CSV text: the user's own 2-D data set, or samples to score (d numbers per line).

/// Parses `text` as 2-D points: one point per line, two numbers separated by a comma, semicolon,
/// tab or spaces; an optional header line of names; blank lines and lines starting with `#`
/// skipped. The error names the first offending line.
pub fn parse_csv(text: &str) -> Result<Vec<[f32; 2]>, String> {
    let rows = parse_rows(text, Some(2))?;
    Ok(rows.values.chunks(2).map(|row| [row[0], row[1]]).collect())
}

/// Points of any dimension, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Rows {
    /// `[len, dim]`
    pub values: Vec<f32>,
    pub dim: usize,
}

impl Rows {
    /// The number of points.
    pub fn len(&self) -> usize {
        self.values.len() / self.dim
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Parses `text` as points with `dim` coordinates each (or, when `dim` is `None`, as many as the
/// first point has), in the format of [`parse_csv`]. Every point must be finite and have the same
/// number of coordinates; the error names the first line that does not.
pub fn parse_rows(text: &str, dim: Option<usize>) -> Result<Rows, String> {
    let mut values = Vec::new();
    let mut dim = dim;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split([',', ';', '\t', ' '])
            .filter(|f| !f.is_empty())
            .collect();
        let numbers: Vec<f32> = fields
            .iter()
            .filter_map(|f| f.parse::<f32>().ok())
            .collect();
        let is_header =
            values.is_empty() && numbers.is_empty() && dim.is_none_or(|d| fields.len() == d);
        if is_header {
            continue;
        }
        let columns = *dim.get_or_insert(fields.len());
        if fields.len() != columns
            || numbers.len() != columns
            || numbers.iter().any(|v| !v.is_finite())
        {
            let expected = if columns == 2 {
                "two numbers (x, y)".to_string()
            } else {
                format!("{columns} numbers")
            };
            return Err(format!(
                "line {}: expected {expected}, found “{}”",
                index + 1,
                truncate(line)
            ));
        }
        values.extend(numbers);
    }
    let rows = Rows {
        values,
        dim: dim.unwrap_or(1),
    };
    if rows.len() < 2 {
        return Err(format!(
            "the file holds {} point(s); at least 2 are needed",
            rows.len()
        ));
    }
    Ok(rows)
}

fn truncate(line: &str) -> String {
    if line.chars().count() <= 40 {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(40).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::{Rows, parse_csv, parse_rows};

    #[test]
    fn reads_points_with_a_header_and_any_separator() {
        let points = parse_csv("x,y\n1,2\n# comment\n\n3.5;-4\n5\t6e-1\n 7  8 \n").unwrap();
        assert_eq!(
            points,
            vec![[1.0, 2.0], [3.5, -4.0], [5.0, 0.6], [7.0, 8.0]]
        );
    }

    #[test]
    fn names_the_bad_line() {
        assert_eq!(
            parse_csv("1,2\n3,4,5\n").unwrap_err(),
            "line 2: expected two numbers (x, y), found “3,4,5”"
        );
        assert!(parse_csv("1,2\nnan,4\n").unwrap_err().starts_with("line 2"));
        assert!(
            parse_csv("\u{89}PNG\r\n\u{1a}\n")
                .unwrap_err()
                .starts_with("line 1")
        );
        assert!(parse_csv("1,2\n").unwrap_err().contains("at least 2"));
    }

    #[test]
    fn rows_take_their_dimension_from_the_first_point() {
        let rows = parse_rows("a,b,c\n1,2,3\n4 5 6\n", None).unwrap();
        assert_eq!(
            rows,
            Rows {
                values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                dim: 3
            }
        );
        assert_eq!(
            parse_rows("1,2,3\n4,5\n", None).unwrap_err(),
            "line 2: expected 3 numbers, found “4,5”"
        );
        assert!(
            parse_rows("x,y\n", None)
                .unwrap_err()
                .contains("0 point(s)")
        );
    }
}
