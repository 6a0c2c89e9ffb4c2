import { REPORT_FILES } from './files';
import { formatCell, type Figure, type ReportModel, type Table } from './model';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Inline styles only: the page must render with no network and no files beside it.
const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1b1f24;
  max-width: 1200px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; }
.meta { color: #57606a; }
.missing { background: #fff8c5; border: 1px solid #d4a72c; padding: 0.6rem 1rem; border-radius: 6px; }
table { border-collapse: collapse; margin: 0.5rem 0 0.3rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; }
th { background: #f6f8fa; text-align: left; } td.num { text-align: right; }
caption { caption-side: top; text-align: left; padding-bottom: 0.3rem; }
.note { color: #57606a; font-size: 0.92rem; margin: 0.2rem 0; }
figure { margin: 1rem 0; max-width: 680px; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #1b1f24; font-size: 0.95rem; }
.table { max-width: 100%; overflow-x: auto; }
.row { display: flex; flex-wrap: wrap; gap: 2rem; align-items: flex-start; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; font-size: 0.82rem; }
a { color: #0969da; }
`;

function notesHtml(notes: string[]): string {
  return notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
}

/** A table as an HTML table with its caption, notes and links to its CSV and JSON. */
export function tableToHtml(table: Table): string {
  const head = table.columns.map((c) => `<th scope="col">${escapeHtml(c.label)}</th>`).join('');
  const body = table.rows
    .map((row) => {
      const cells = table.columns.map((c) => {
        const value = row[c.key] ?? null;
        const cls = typeof value === 'number' ? ' class="num"' : '';
        return `<td${cls}>${escapeHtml(formatCell(value, c.format))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const empty =
    table.rows.length === 0
      ? `<tr><td colspan="${table.columns.length}"><em>No rows.</em></td></tr>`
      : '';
  const links =
    `Data: <a href="${REPORT_FILES.tableCsv(table.id)}">${REPORT_FILES.tableCsv(table.id)}</a>, ` +
    `<a href="${REPORT_FILES.tableJson(table.id)}">${REPORT_FILES.tableJson(table.id)}</a>`;
  return [
    `<div class="table" data-table-id="${escapeHtml(table.id)}">`,
    `<table id="${escapeHtml(table.id)}">`,
    `<caption><strong>${escapeHtml(table.title)}.</strong> ${escapeHtml(table.caption)}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>${body}${empty}</tbody>`,
    '</table>',
    notesHtml(table.notes),
    `<p class="note">${links}</p>`,
    '</div>',
  ].join('\n');
}

// Vega writes a bare <svg> root; drop an XML prolog if one is ever present, since it is
// not allowed inside HTML.
function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

function figureToHtml(figure: Figure, svg: string): string {
  const files =
    `<a href="${REPORT_FILES.figureSvg(figure.id)}">SVG</a>, ` +
    `<a href="${REPORT_FILES.figurePng(figure.id)}">PNG</a>, ` +
    `data <a href="${REPORT_FILES.tableCsv(figure.data.id)}">${REPORT_FILES.tableCsv(figure.data.id)}</a>`;
  return [
    `<figure id="${escapeHtml(figure.id)}" data-figure-id="${escapeHtml(figure.id)}">`,
    inlineSvg(svg),
    `<figcaption><strong>${escapeHtml(figure.title)}.</strong> ${escapeHtml(figure.caption)} (${files})</figcaption>`,
    notesHtml(figure.notes),
    '</figure>',
  ].join('\n');
}

/**
 * The whole report as one self-contained HTML page: styles inline, figures as inline
 * SVG, nothing fetched. `svgs` maps each figure id to its rendered SVG.
 */
export function reportToHtml(model: ReportModel, svgs: ReadonlyMap<string, string>): string {
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(model.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(model.title)}</h1>`,
    `<p class="meta">Study: <code>${escapeHtml(model.studyDir)}</code> &middot; generated ${escapeHtml(model.generatedAt)}</p>`,
  ];
  if (model.missing.length > 0) {
    parts.push(
      '<div class="missing" id="missing"><strong>Missing from this study:</strong><ul>',
      ...model.missing.map((m) => `<li>${escapeHtml(m)}</li>`),
      '</ul></div>',
    );
  }
  for (const section of model.sections) {
    parts.push(`<section><h2>${escapeHtml(section.title)}</h2>`);
    parts.push(...section.notes.map((n) => `<p>${escapeHtml(n)}</p>`));
    if (section.facts.length > 0) {
      parts.push(
        '<table class="facts"><tbody>',
        ...section.facts.map(
          (f) =>
            `<tr><th scope="row">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`,
        ),
        '</tbody></table>',
      );
    }
    // A figure and its tables, or a section's paired tables, sit side by side when the
    // page is wide enough.
    const blocks = [
      ...section.figures.map((f) => {
        const svg = svgs.get(f.id);
        if (svg === undefined) throw new Error(`no rendered SVG for figure '${f.id}'`);
        return figureToHtml(f, svg);
      }),
      ...section.tables.map(tableToHtml),
    ];
    const sideBySide = section.figures.length > 0 || section.sideBySide === true;
    parts.push(sideBySide ? `<div class="row">${blocks.join('\n')}</div>` : blocks.join('\n'));
    parts.push('</section>');
  }
  parts.push(
    '<section><h2>Manifest</h2>',
    `<p>What this study needs to be rerun: code revision, configurations, recipes, seeds, ` +
      `versions, feature configuration hash and dataset fingerprint. Also in ` +
      `<a href="${REPORT_FILES.manifest}">${REPORT_FILES.manifest}</a>.</p>`,
    '<details><summary>Show the manifest</summary>',
    `<pre id="manifest">${escapeHtml(JSON.stringify(model.manifest, null, 2))}</pre>`,
    '</details>',
    '</section>',
    '</body>',
    '</html>',
  );
  return parts.join('\n') + '\n';
}
