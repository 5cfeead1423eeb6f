//! Bounding how deep an HTML page nests, before it is parsed.
//!
//! html5ever's tree builder looks through the stack of open elements for most start and end
//! tags (is a `<p>` open in button scope? which element does this end tag close?), so a page
//! nesting `n` elements costs time in the square of `n`: 200,000 nested `<div>`s took 113 s,
//! 20,000 took 0.8 s. No report nests more than a few dozen elements, so a page whose tags
//! would open elements deeper than [`MAX_DEPTH`] loses those tags (their text stays, in
//! order) before it is parsed, and the report says so.
//!
//! The nesting is followed the way a browser would build it, closely enough: void elements
//! (`<br>`, `<img>`) and elements that close themselves (`<p>`, `<li>`, table rows and cells)
//! do not nest; an end tag closes the innermost open element of its name and everything
//! opened inside it; a row or cell boundary closes whatever the previous cell left open (a
//! sloppy page's unclosed `<font>` in every cell does not add up). The text of `<script>`,
//! `<style>` and comments is skipped, as the parser skips it. One pass, linear in the page.

use memchr::{memchr, memmem};

/// Deepest nesting of elements kept: tags opening elements below it are dropped.
pub const MAX_DEPTH: usize = 512;

/// A page without the tags that would nest deeper than `max_depth`, and how many tags were
/// dropped; `None` (nothing to do) for a page within the bound, which is nearly every page.
pub fn flatten(html: &str, max_depth: usize) -> Option<(String, usize)> {
    let drops = tags_beyond(html.as_bytes(), max_depth);
    if drops.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    for r in &drops {
        out.push_str(&html[at..r.start]);
        at = r.end;
    }
    out.push_str(&html[at..]);
    Some((out, drops.len()))
}

/// How an element takes part in nesting, as far as [`tags_beyond`] needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An element that nests (`<div>`, `<span>`, `<font>`, `<table>`, unknown names).
    Nesting,
    /// An element without content (`<br>`, `<img>`), or one that never nests in practice:
    /// the document's own, those a sibling closes (`<p>`, `<li>`, `<option>`).
    Flat,
    /// Table structure: a row or cell tag closes what the previous cell left open.
    CellBoundary,
    /// An element whose content is text, not markup (`<script>`, `<style>`).
    RawText,
}

/// The [`Kind`] of the element named `name` (any case). One `match` on the lower-cased
/// name: this runs for every tag of every page, and comparing each name with every entry of
/// four lists cost more than the rest of the scan.
fn kind_of(name: &[u8]) -> Kind {
    const LONGEST: usize = 8;
    if name.len() > LONGEST {
        return Kind::Nesting;
    }
    let mut buf = [0u8; LONGEST];
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    match &*lower {
        // Void elements.
        b"area" | b"base" | b"basefont" | b"bgsound" | b"br" | b"col" | b"embed" | b"frame"
        | b"hr" | b"img" | b"input" | b"keygen" | b"link" | b"meta" | b"param" | b"source"
        | b"track" | b"wbr" => Kind::Flat,
        // Never nesting in practice (rows and cells are boundaries, below).
        b"html" | b"head" | b"body" | b"p" | b"li" | b"dt" | b"dd" | b"option" | b"optgroup"
        | b"rb" | b"rt" | b"rp" | b"rtc" | b"colgroup" | b"caption" => Kind::Flat,
        b"tr" | b"td" | b"th" | b"tbody" | b"thead" | b"tfoot" => Kind::CellBoundary,
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"noembed" | b"noframes"
        | b"iframe" => Kind::RawText,
        _ => Kind::Nesting,
    }
}

/// The byte ranges of the tags that open (or close) elements below `max_depth`.
fn tags_beyond(b: &[u8], max_depth: usize) -> Vec<std::ops::Range<usize>> {
    let mut drops = Vec::new();
    // Names of the open elements that count, outermost first (at most `max_depth`).
    let mut open: Vec<&[u8]> = Vec::new();
    // Start tags dropped whose end tags are still to come.
    let mut excess = 0usize;
    let mut i = 0;
    while let Some(off) = memchr(b'<', &b[i..]) {
        let lt = i + off;
        if b[lt + 1..].starts_with(b"!--") {
            i = memmem::find(&b[lt + 4..], b"-->").map_or(b.len(), |e| lt + 4 + e + 3);
            continue;
        }
        let closing = b.get(lt + 1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            i = lt + 1; // `<!doctype`, `< 5`, `<=`: not an element tag
            continue;
        }
        let name_end = b[name_start..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b':' | b'_')))
            .map_or(b.len(), |p| name_start + p);
        let gt = memchr(b'>', &b[name_end..]).map_or(b.len(), |p| name_end + p + 1);
        let name = &b[name_start..name_end];
        let self_closing = gt >= 2 && b[gt - 2] == b'/';
        i = gt;
        let kind = kind_of(name);
        if !closing && kind == Kind::RawText {
            i = find_end_tag(b, gt, name);
            continue;
        }
        if kind == Kind::CellBoundary {
            // Close what the cell left open, up to its table.
            let table = open.iter().rposition(|n| n.eq_ignore_ascii_case(b"table"));
            open.truncate(table.map_or(0, |t| t + 1));
            continue;
        }
        if kind == Kind::Flat || (self_closing && !closing) {
            continue;
        }
        if closing {
            if excess > 0 {
                excess -= 1;
                drops.push(lt..gt);
            } else if let Some(p) = open.iter().rposition(|n| n.eq_ignore_ascii_case(name)) {
                open.truncate(p);
            }
        } else if open.len() >= max_depth {
            excess += 1;
            drops.push(lt..gt);
        } else {
            open.push(name);
        }
    }
    drops
}

/// Where the end tag of raw-text element `name` begins, at or after `from` (the end of the
/// page when there is none).
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(off) = memmem::find(&b[i..], b"</") {
        let at = i + off;
        let candidate = &b[at + 2..];
        if candidate.len() >= name.len() && candidate[..name.len()].eq_ignore_ascii_case(name) {
            return at;
        }
        i = at + 2;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_kinds_ignore_case_and_unknown_names_nest() {
        assert_eq!(kind_of(b"TD"), Kind::CellBoundary);
        assert_eq!(kind_of(b"tBody"), Kind::CellBoundary);
        assert_eq!(kind_of(b"Br"), Kind::Flat);
        assert_eq!(kind_of(b"p"), Kind::Flat);
        assert_eq!(kind_of(b"NOFRAMES"), Kind::RawText);
        assert_eq!(kind_of(b"div"), Kind::Nesting);
        assert_eq!(kind_of(b"blockquote"), Kind::Nesting);
        assert_eq!(kind_of(b"o:p"), Kind::Nesting);
        // A name sharing a prefix with a listed one is not it.
        assert_eq!(kind_of(b"brx"), Kind::Nesting);
        assert_eq!(kind_of(b"t"), Kind::Nesting);
    }

    #[test]
    fn shallow_pages_are_left_alone() {
        assert_eq!(flatten("<div><p>甲<div>乙</div></p></div>", 4), None);
        // Unclosed inline elements in every cell do not add up: cells are boundaries.
        let cells = "<td><font>1".repeat(1000);
        let page = format!("<table><tr>{cells}</tr></table>");
        assert_eq!(flatten(&page, 8), None);
        // Nor do those an end tag closes with their parent.
        let page = "<div><span><b>x</div>".repeat(1000);
        assert_eq!(flatten(&page, 8), None);
        // Tags in scripts, styles and comments are not tags.
        let page = format!(
            "<script>{}</script><!-- {} -->",
            "<div>".repeat(100),
            "<div>".repeat(100)
        );
        assert_eq!(flatten(&page, 8), None);
    }

    #[test]
    fn deep_nesting_loses_the_tags_below_the_bound_and_keeps_the_text() {
        let page = format!(
            "{}深处{}<p>后记</p>",
            "<div>".repeat(10),
            "</div>".repeat(10)
        );
        let (flat, dropped) = flatten(&page, 3).unwrap();
        assert_eq!(dropped, 14);
        assert_eq!(flat, "<div><div><div>深处</div></div></div><p>后记</p>");
        let (flat, _) = flatten(&"<span>x".repeat(6), 2).unwrap();
        assert_eq!(flat, "<span>x<span>xxxxx");
    }
}
