//! The page shell every HTML report shares: a Content-Security-Policy that forbids every
//! request (`default-src 'none'`; the inline style and scripts are allowed by their SHA-256, so
//! even markup that slipped past escaping could not run a script), the inline stylesheet, the
//! error guard that runs first, and the interactivity script that runs last.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

/// The stylesheet, inlined.
const STYLE: &str = include_str!("style.css");
/// Records errors and blocked requests before anything else runs.
const GUARD: &str = include_str!("guard.js");
/// Sorting, filtering and the graph panel.
const SCRIPT: &str = include_str!("report.js");

/// `'sha256-…'` of an inline block, as CSP wants it.
fn hash(text: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// The policy: nothing may be fetched, framed or submitted; only our own inline blocks run.
fn policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {} {}; img-src data:; base-uri 'none'; form-action 'none'",
        hash(STYLE),
        hash(GUARD),
        hash(SCRIPT)
    )
}

/// A whole page: `title` (escaped), a subtitle line, a table of contents and the body.
pub(super) fn page(title: &str, subtitle: &str, toc: &[(&str, &str)], body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(policy());
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(concat!("faultline ", env!("CARGO_PKG_VERSION")));
                title { (title) }
                style { (PreEscaped(STYLE)) }
                script { (PreEscaped(GUARD)) }
            }
            body {
                header.page {
                    h1 { (title) }
                    p { (subtitle) }
                }
                main {
                    @if !toc.is_empty() {
                        nav.toc aria-label="Sections" {
                            @for (id, label) in toc {
                                a href={ "#" (id) } { (label) }
                            }
                        }
                    }
                    (body)
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_blocks_the_page_inlines() {
        let page = page("t", "s", &[], html! {});
        // Each hash in the policy is the hash of a block the page carries verbatim.
        for block in [STYLE, GUARD, SCRIPT] {
            assert!(page.contains(block));
            assert!(page.contains(&hash(block)));
        }
        assert!(page.contains("default-src 'none'"));
    }

    #[test]
    fn no_inline_block_can_close_its_own_element() {
        // The blocks are inlined raw, so none may contain the closing tag of its element.
        assert!(!STYLE.contains("</style"));
        assert!(!GUARD.contains("</script") && !SCRIPT.contains("</script"));
    }
}
