/**
 * What the model report (report/html.ts) and `mnist serve`'s draw-a-digit page (web/page.ts)
 * share: the start of the document up to <body>, and the light/dark theme that opens each one's
 * CSS. Strings only; each page keeps its own layout and colours beyond these.
 */

import { escapeXml } from './svg.js';

export interface PageHead {
  /** Plain text; escaped here. */
  title: string;
  css: string;
  /** Further <head> lines, as HTML (the draw page's icon link). */
  extraHead?: string;
}

/** `<!doctype html>` through `<body>` and its newline: charset, viewport, both colour schemes, the title and the CSS. */
export function pageStart(o: PageHead): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${o.extraHead === undefined ? '' : `${o.extraHead}\n`}<title>${escapeXml(o.title)}</title>
<style>${o.css}</style>
</head>
<body>
`;
}

/**
 * The first lines of each page's CSS: the shared colour variables for the light theme and the
 * dark one (each followed by the page's own, `light` and `dark`), border-box sizing and the body's
 * colours and font.
 */
export function themeCss(light: string, dark: string): string {
  return `
:root{--bg:#fff;--fg:#1f2328;--muted:#59636e;--card:#f6f8fa;--line:#d1d9e0;${light}}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#151b23;--line:#3d444d;${dark}}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
`;
}
