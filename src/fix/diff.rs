//! A small unified-style line diff (`---`/`+++` headers, `@@` hunks with three lines of context)
//! for showing what a fix changes before it is applied. The texts are small (a scheduler spec, an
//! EndpointPickerConfig), so a plain longest-common-subsequence table is enough.

/// One line of an edit script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

const CONTEXT: usize = 3;

/// The edit script turning `a` into `b` (LCS over lines).
fn script<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Line<'a>> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j] = length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n.max(m));
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(Line::Same(a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(Line::Removed(a[i]));
            i += 1;
        } else {
            out.push(Line::Added(b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| Line::Removed(l)));
    out.extend(b[j..].iter().map(|l| Line::Added(l)));
    out
}

/// Unified diff of `before` → `after` with the given header names; empty when equal.
pub fn unified(before: &str, after: &str, old_name: &str, new_name: &str) -> String {
    if before == after {
        return String::new();
    }
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let lines = script(&a, &b);
    let changed: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !matches!(l, Line::Same(_)))
        .map(|(k, _)| k)
        .collect();
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    // Group changes whose context windows touch into hunks.
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = (changed[k] + CONTEXT + 1).min(lines.len());
        k += 1;
        while k < changed.len() && changed[k] <= end + CONTEXT {
            end = (changed[k] + CONTEXT + 1).min(lines.len());
            k += 1;
        }
        // Line numbers (1-based) of the hunk's first line in each text.
        let before_start = lines[..start]
            .iter()
            .filter(|l| !matches!(l, Line::Added(_)))
            .count();
        let after_start = lines[..start]
            .iter()
            .filter(|l| !matches!(l, Line::Removed(_)))
            .count();
        let hunk = &lines[start..end];
        let old_len = hunk.iter().filter(|l| !matches!(l, Line::Added(_))).count();
        let new_len = hunk
            .iter()
            .filter(|l| !matches!(l, Line::Removed(_)))
            .count();
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            before_start + usize::from(old_len > 0),
            after_start + usize::from(new_len > 0)
        ));
        for l in hunk {
            let (sign, text) = match l {
                Line::Same(t) => (' ', t),
                Line::Removed(t) => ('-', t),
                Line::Added(t) => ('+', t),
            };
            out.push(sign);
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "x", "y"), "");
    }

    #[test]
    fn an_append_is_one_hunk_with_context() {
        let before = "1\n2\n3\n4\n5\n";
        let after = "1\n2\n3\n4\n5\n6\n";
        assert_eq!(
            unified(before, after, "old", "new"),
            "--- old\n+++ new\n@@ -3,3 +3,4 @@\n 3\n 4\n 5\n+6\n"
        );
    }

    #[test]
    fn distant_changes_make_two_hunks_and_near_ones_merge() {
        let before: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let after = before.replace("2\n", "two\n").replace("18\n", "eighteen\n");
        let d = unified(&before, &after, "a", "b");
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert!(
            d.contains("-2\n+two\n") && d.contains("-18\n+eighteen\n"),
            "{d}"
        );
        let near = before.replace("5\n", "five\n").replace("9\n", "nine\n");
        assert_eq!(unified(&before, &near, "a", "b").matches("@@ -").count(), 1);
    }

    #[test]
    fn a_removal_and_an_insertion_in_the_middle() {
        let d = unified("a\nb\nc\n", "a\nc\nd\n", "l", "r");
        assert_eq!(d, "--- l\n+++ r\n@@ -1,3 +1,3 @@\n a\n-b\n c\n+d\n");
    }
}
