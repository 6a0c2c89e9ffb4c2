import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { chromium, type Browser } from 'playwright-core';
import { generateReport, type GeneratedReport } from '@asc/report';
import { buildFixtureStudy, type Fixture } from './study-fixture';
import { CHROMIUM, OFFLINE_FLAGS, chromiumInstalled } from './offline-chromium';

const haveChromium = chromiumInstalled('report HTML check in Chromium');
const describeInChromium = haveChromium ? describe : describe.skip;

describeInChromium('the HTML report in headless Chromium', () => {
  let fixture: Fixture;
  let report: GeneratedReport;
  let browser: Browser;
  let profile: string;

  beforeAll(async () => {
    fixture = await buildFixtureStudy({ complete: 30, failed: 1, runs: true });
    report = await generateReport({ studyDir: fixture.dir });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-chromium-profile-'));
    browser = await chromium
      .launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: OFFLINE_FLAGS,
      })
      .then((context) => context.browser() ?? Promise.reject(new Error('no browser')));
  });

  afterAll(async () => {
    await browser?.close();
    fs.rmSync(profile, { recursive: true, force: true });
    fixture.cleanup();
  });

  it('loads from file://, shows every table and both figures with drawn marks, and screenshots', async () => {
    const context = browser.contexts()[0];
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(report.files.html).href, { waitUntil: 'load' });

    const tables = await page.$$eval('table[id]', (els) =>
      els.map((t) => ({
        id: t.id,
        rows: t.querySelectorAll('tbody tr').length,
        height: t.getBoundingClientRect().height,
      })),
    );
    expect(tables.map((t) => t.id)).toEqual(
      expect.arrayContaining([
        'table3-best-accuracy',
        'table3-lowest-loss',
        'table4',
        'growth-ratio-means',
        'paper-table4',
      ]),
    );
    for (const t of tables) expect(t.height).toBeGreaterThan(0);
    expect(tables.find((t) => t.id === 'table4')!.rows).toBe(3);

    const figures = await page.$$eval('figure[data-figure-id]', (els) =>
      els.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.id,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: svg ? svg.querySelectorAll('path, rect, line').length : 0,
        };
      }),
    );
    expect(figures.map((f) => f.id)).toEqual(['figure3', 'figure4']);
    for (const f of figures) {
      expect(f.width).toBeGreaterThan(200);
      expect(f.height).toBeGreaterThan(150);
      expect(f.marks).toBeGreaterThan(10);
    }
    // Figure 3 draws one symbol per complete candidate.
    const points = await page.$$eval(
      '#figure3 svg .mark-symbol.role-mark path',
      (els) => els.length,
    );
    expect(points).toBe(30);

    const shot = path.join(report.outDir, 'screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect([...fs.readFileSync(shot).subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    // ASC_REPORT_KEEP=DIR keeps the report and its screenshot for a person to look at.
    if (process.env.ASC_REPORT_KEEP)
      fs.cpSync(report.outDir, process.env.ASC_REPORT_KEEP, { recursive: true });

    // Self-contained: the page fetched nothing but itself.
    expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
    expect(requests.filter((u) => u.startsWith('file://'))).toEqual([
      pathToFileURL(report.files.html).href,
    ]);
    await page.close();
  });
});
