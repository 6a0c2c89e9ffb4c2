// Writing results into the page's elements (index.html holds the structure).

import type { Step } from './audio';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
}

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  if (tag === 'th') el.setAttribute('scope', 'row');
  if (className) el.className = className;
  return el;
}

/** The table's column headings. */
function fillHead(table: HTMLTableElement, names: string[]): void {
  const head = document.createElement('tr');
  for (const name of names) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    head.append(th);
  }
  table.tHead!.replaceChildren(head);
}

/** Rows "class | probability + bar" of a two-column table, the largest in bold. */
export function fillProbabilities(table: HTMLTableElement, labels: string[], p: number[]): void {
  fillHead(table, ['Class', 'Probability']);
  const best = p.indexOf(Math.max(...p));
  const rows = labels.map((label, k) => {
    const tr = document.createElement('tr');
    tr.append(cell('th', label));
    const value = cell('td', p[k].toFixed(3), k === best ? 'best' : undefined);
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.round(p[k] * 8 * 10) / 10}rem`;
    bar.setAttribute('aria-hidden', 'true');
    value.append(bar);
    tr.append(value);
    return tr;
  });
  table.tBodies[0].replaceChildren(...rows);
}

/** One row per segment: index, time span, each class's probability. */
export function fillSegments(
  table: HTMLTableElement,
  labels: string[],
  probabilities: Float32Array,
  segmentSeconds: number,
): void {
  fillHead(table, ['Segment', 'Time (s)', ...labels]);
  const classes = labels.length;
  const count = probabilities.length / classes;
  const rows: HTMLTableRowElement[] = [];
  for (let s = 0; s < count; s++) {
    const p = Array.from(probabilities.subarray(s * classes, (s + 1) * classes));
    const best = p.indexOf(Math.max(...p));
    const tr = document.createElement('tr');
    tr.append(cell('th', String(s + 1)));
    const t0 = s * segmentSeconds;
    tr.append(cell('td', `${t0.toFixed(2)}–${(t0 + segmentSeconds).toFixed(2)}`));
    p.forEach((v, k) => tr.append(cell('td', v.toFixed(3), k === best ? 'best' : undefined)));
    rows.push(tr);
  }
  table.tBodies[0].replaceChildren(...rows);
}

export function fillSteps(table: HTMLTableElement, steps: Step[]): void {
  fillHead(table, ['Step', 'Milliseconds']);
  const total = steps.reduce((n, s) => n + s.ms, 0);
  const rows = [...steps, { name: 'total', ms: total }].map((s) => {
    const tr = document.createElement('tr');
    tr.append(cell('th', s.name), cell('td', s.ms.toFixed(1)));
    return tr;
  });
  table.tBodies[0].replaceChildren(...rows);
}

export function formatHz(hz: number): string {
  return hz >= 1000 ? `${+(hz / 1000).toPrecision(3)} kHz` : `${Math.round(hz)} Hz`;
}

/** Frequency labels beside the picture at the bands nearest to round frequencies. */
export function fillFrequencyAxis(axis: HTMLElement, centreHz: number[]): void {
  const bands = centreHz.length;
  const labels: HTMLElement[] = [];
  let lastAt = -Infinity;
  for (const hz of [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]) {
    let nearest = 1;
    for (let b = 1; b < bands; b++) {
      if (Math.abs(Math.log(centreHz[b] / hz)) < Math.abs(Math.log(centreHz[nearest] / hz))) {
        nearest = b;
      }
    }
    if (Math.abs(Math.log(centreHz[nearest] / hz)) > 0.1) continue;
    const at = ((nearest + 0.5) / bands) * 100;
    if (at - lastAt < 12) continue;
    lastAt = at;
    const span = document.createElement('span');
    span.textContent = formatHz(hz);
    span.style.bottom = `${at}%`;
    labels.push(span);
  }
  axis.replaceChildren(...labels);
}
