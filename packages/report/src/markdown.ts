import { REPORT_FILES } from './files';
import { formatCell, type Figure, type ReportModel, type Table } from './model';

// Pipes and line breaks would break a Markdown table row.
function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function isNumeric(table: Table, key: string): boolean {
  return table.rows.some((r) => typeof r[key] === 'number');
}

/** A table as GitHub-flavoured Markdown, numbers right-aligned. */
export function tableToMarkdown(table: Table): string {
  const lines = [`**${table.title}.** ${table.caption}`, ''];
  if (table.rows.length === 0) {
    lines.push('_No rows._');
  } else {
    lines.push(`| ${table.columns.map((c) => mdCell(c.label)).join(' | ')} |`);
    lines.push(
      `|${table.columns.map((c) => (isNumeric(table, c.key) ? '---:' : '---')).join('|')}|`,
    );
    for (const row of table.rows) {
      const cells = table.columns.map((c) => mdCell(formatCell(row[c.key] ?? null, c.format)));
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  for (const note of table.notes) lines.push('', `> ${note}`);
  lines.push('', `Data: [${REPORT_FILES.tableCsv(table.id)}](${REPORT_FILES.tableCsv(table.id)})`);
  return lines.join('\n');
}

function figureToMarkdown(figure: Figure): string {
  const lines = [
    `![${figure.title}](${REPORT_FILES.figureSvg(figure.id)})`,
    '',
    `**${figure.title}.** ${figure.caption} ` +
      `(PNG: [${REPORT_FILES.figurePng(figure.id)}](${REPORT_FILES.figurePng(figure.id)}); ` +
      `data: [${REPORT_FILES.tableCsv(figure.data.id)}](${REPORT_FILES.tableCsv(figure.data.id)}))`,
  ];
  for (const note of figure.notes) lines.push('', `> ${note}`);
  return lines.join('\n');
}

/** The whole report as one Markdown document (figures are linked SVG files beside it). */
export function reportToMarkdown(model: ReportModel): string {
  const parts = [
    `# ${model.title}`,
    `Study: \`${model.studyDir}\`  \nGenerated: ${model.generatedAt}`,
  ];
  if (model.missing.length > 0) {
    parts.push(
      ['**Missing from this study:**', '', ...model.missing.map((m) => `- ${m}`)].join('\n'),
    );
  }
  for (const section of model.sections) {
    parts.push(`## ${section.title}`);
    for (const note of section.notes) parts.push(note);
    if (section.facts.length > 0) {
      parts.push(
        [
          '| Fact | Value |',
          '|---|---|',
          ...section.facts.map((f) => `| ${mdCell(f.label)} | ${mdCell(f.value)} |`),
        ].join('\n'),
      );
    }
    for (const figure of section.figures) parts.push(figureToMarkdown(figure));
    for (const table of section.tables) parts.push(tableToMarkdown(table));
  }
  parts.push(
    `## Manifest\n\nThe full manifest is [${REPORT_FILES.manifest}](${REPORT_FILES.manifest}).\n\n` +
      '```json\n' +
      JSON.stringify(model.manifest, null, 2) +
      '\n```',
  );
  return parts.join('\n\n') + '\n';
}
