// SPDX-License-Identifier: BSD-2-Clause

//! The book's bits of HTML that the preprocessor writes itself (Markdown would not make them): a
//! question's title with its code, text escaped, a walk drawn within the page's width.

/// A question as HTML (an aside's title): escaped, its `code` as code.
pub fn inline_html(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::new();
    for (k, part) in escaped.split('`').enumerate() {
        match k % 2 {
            1 => out.push_str(&format!("<code>{part}</code>")),
            _ => out.push_str(part),
        }
    }
    out
}

/// `text` with HTML's special characters escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A walk as the book draws it: each table a box, and what an entry leads to beside its row,
/// wrapped within the page beside the box rather than past the page's edge.
pub fn walk_html(lines: &[String]) -> String {
    let mut out = String::from("<pre class=\"walk\">");
    for line in lines {
        match line.split_once("├─> ") {
            Some((boxed, what)) => out.push_str(&format!(
                "<span class=\"walk-row\"><span class=\"walk-box\">{}├─&gt; </span><span \
                 class=\"walk-text\">{}</span></span>",
                escape(boxed),
                escape(what)
            )),
            None => out.push_str(&format!(
                "<span class=\"walk-line\">{}</span>",
                escape(line)
            )),
        }
    }
    out.push_str("</pre>\n\n");
    out
}
