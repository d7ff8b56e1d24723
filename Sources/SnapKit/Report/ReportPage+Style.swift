extension ReportPage {
    /// The page's one style sheet. Marks on the plots take their look from a class rather
    /// than attributes of their own, so ten thousand of them stay short.
    ///
    /// Timeline marks: `ok` verified (filled), `uv` never verified (hollow), `bad` failed
    /// verification (a red cross), `pre` a pre-restore snapshot (purple outline); `ld` a ring
    /// around a snapshot proven to load, `ldbad` a dashed red ring around one that failed to;
    /// circles are file captures, squares captures with a dump. `vr` a restore's or a prune's
    /// vertical line (`prune`, `fail`), `vl` its label, `tri` a run that did not end well,
    /// `um-miss` an expected run that never came (orange, hatched), `um-fail` one that failed.
    static let style = """
        :root { color-scheme: light; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          color: #1f2328; background: #fff; max-width: 1160px; margin: 24px auto; padding: 0 16px; }
        h1 { font-size: 22px; margin: 0 0 8px; }
        h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
        h3 { font-size: 15px; margin: 16px 0 6px; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
        dl.facts dt { font-weight: 600; }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
        th, td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; }
        td { overflow-wrap: break-word; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.id, table.events td:nth-child(6), table.removed td:nth-child(3) { white-space: nowrap; }
        td.never { color: #6e7781; font-style: italic; }
        td.warn { color: #9a6700; font-weight: 600; }
        td.crit, .crit-text { color: #cf222e; font-weight: 600; }
        table.events td:nth-child(1), table.removed td:nth-child(2) { text-align: right;
          font-variant-numeric: tabular-nums; }
        table.events td:nth-child(6), table.removed td:nth-child(3),
        .id, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
          font-size: 12px; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 12px; font-weight: 700;
          color: #fff; white-space: nowrap; }
        .b-ok { background: #1a7f37; }
        .b-warn { background: #9a6700; }
        .b-crit { background: #cf222e; }
        .b-unknown { background: #6e7781; }
        .empty, .more { color: #57606a; font-style: italic; }
        .verdict-good { border: 1px solid #1a7f37; background: #dafbe1; padding: 8px 12px; font-weight: 600; }
        .verdict-bad { border: 2px solid #cf222e; background: #ffebe9; color: #82071e; padding: 8px 12px;
          font-weight: 700; font-size: 15px; }
        ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; }
        ul.legend svg { vertical-align: middle; margin-right: 4px; }
        ul.unmet { columns: 2; font-size: 13px; }
        svg.plot { display: block; max-width: 100%; height: auto; border: 1px solid #d0d7de; background: #fff; }
        svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1f2328; }
        svg text.lane-name { text-anchor: end; }
        svg text.tick { text-anchor: middle; fill: #57606a; }
        svg text.ytick { text-anchor: end; fill: #57606a; }
        svg .band { fill: #f6f8fa; }
        svg .axis { stroke: #8c959f; stroke-width: 1; }
        svg .grid { stroke: #d0d7de; stroke-dasharray: 2 3; }
        svg .ok { fill: #1a7f37; stroke: #1a7f37; stroke-width: 1.2; }
        svg .uv { fill: #fff; stroke: #57606a; stroke-width: 1.5; }
        svg .bad { fill: none; stroke: #cf222e; stroke-width: 2.2; }
        svg .pre { stroke: #8250df; stroke-width: 2; }
        svg .ld { fill: none; stroke: #1a7f37; stroke-width: 1.2; }
        svg .ldbad { fill: none; stroke: #cf222e; stroke-width: 1.2; stroke-dasharray: 2 2; }
        svg .vr { stroke: #0969da; stroke-width: 1.2; }
        svg .vr.prune { stroke: #6e7781; stroke-dasharray: 4 3; }
        svg .vr.fail { stroke: #cf222e; }
        svg .vl { fill: #0969da; font-size: 10px; }
        svg .vl.prune { fill: #57606a; }
        svg .tri { fill: #cf222e; stroke: #82071e; stroke-width: .8; }
        svg .um-miss { fill: url(#hatch); stroke: #e8590c; stroke-width: 1.5; }
        svg .um-fail { fill: #cf222e; fill-opacity: .45; stroke: #cf222e; stroke-width: 1.5; }
        svg .hatch-line { stroke: #e8590c; stroke-width: 1.5; }
        svg .size { fill: none; stroke: #0969da; stroke-width: 1.6; }
        details > summary { cursor: pointer; color: #0969da; }
        @media print {
          body { margin: 0; max-width: none; font-size: 11px; }
          h2 { break-after: avoid; }
          tr, svg { break-inside: avoid; }
          details > summary { color: inherit; }
        }

        """
}
