//! The page for reports that are titled tables (`position`, `loop`, `risk`, `recommend`,
//! `backtest`): the same rows as their terminal and Markdown forms, as sortable HTML tables in
//! the shared page shell.

use super::page::page;
use maud::html;

/// One piece of a table report, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A section heading.
    Heading(String),
    /// A paragraph.
    Text(String),
    /// A table: its header and rows (each row as long as the header).
    Grid { header: Vec<String>, rows: Vec<Vec<String>> },
}

/// A whole page: `title`, then the blocks.
pub(crate) fn tables(title: &str, blocks: &[Block]) -> String {
    let body = html! {
        @for block in blocks {
            @match block {
                Block::Heading(text) => h2 { (text) },
                Block::Text(text) => p { (text) },
                Block::Grid { header, rows } => table.sortable {
                    thead { tr { @for h in header { th { (h) } } } }
                    tbody { @for row in rows { tr { @for cell in row { td { (cell) } } } } }
                },
            }
        }
    };
    page(title, "", &[], body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_is_on_the_page_in_order_and_escaped() {
        let page = tables(
            "Position <on> m",
            &[
                Block::Text("Account 0xabc.".into()),
                Block::Heading("Collateral".into()),
                Block::Grid {
                    header: vec!["asset".into(), "amount".into()],
                    rows: vec![vec!["<b>x</b>".into(), "1.5".into()]],
                },
            ],
        );
        let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} not on the page"));
        assert!(at("Account 0xabc.") < at("<h2>Collateral</h2>"));
        assert!(at("<h2>Collateral</h2>") < at("<th>asset</th>"));
        assert!(at("<td>&lt;b&gt;x&lt;/b&gt;</td>") < at("<td>1.5</td>"));
        assert!(page.contains("Position &lt;on&gt; m") && !page.contains("<b>x</b>"));
    }
}
