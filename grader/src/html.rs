//! Writing HTML: the class report, the correlation report and the dashboard charts' index.

/// `s` with HTML's special characters escaped, for text and attribute values.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
