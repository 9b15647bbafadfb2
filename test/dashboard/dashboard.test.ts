import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { createApiLake, type ApiLake } from '../api/api-lake.js';
import { launchChromium, openWatchedPage } from './browser.js';
import { startDashboardServer, type DashboardServer } from './dashboard-server.js';
import { createErpLake, type ErpLake } from './erp-lake.js';
import { ENGLISH_EURO, GERMAN_EURO, money, totalOf, type TotalsBody } from './expected-values.js';
import { buildDashboard } from './web-build.js';

/** About 4,300 orders: every gold model has rows, and the lake builds in a few seconds. */
const SCALE = 0.002;

const ORDER_INTAKE_EUR = '[data-measure="ORDER_INTAKE_EUR"] .kpi-value';

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

describe('dashboard KPI page in Chromium', () => {
  let webFolder: string;
  let lake: ErpLake;
  let app: DashboardServer;
  let browser: Browser;

  before(async () => {
    webFolder = buildDashboard();
    lake = await createErpLake(SCALE);
    app = await startDashboardServer(lake.config, { disabled: true }, webFolder);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    lake?.remove();
    rmSync(webFolder, { recursive: true, force: true });
  });

  async function openKpis(query = 'model=order_intake'): Promise<{ page: Page; problems: string[] }> {
    const watched = await openWatchedPage(browser);
    await watched.page.goto(`${app.baseUrl}/#/kpis?${query}`);
    return watched;
  }

  it('serves index and assets with headers', async () => {
    const index = await fetch(`${app.baseUrl}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const policy = index.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'none'(;|$)/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.match(policy, /style-src 'self'(;|$)/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);

    const html = await index.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, `index.html names a hashed script: ${html}`);
    assert.doesNotMatch(html, /<script(?![^>]*src=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|style="/, 'no inline style');

    const asset = await fetch(`${app.baseUrl}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');

    const missing = await fetch(`${app.baseUrl}/assets/missing-file.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as ErrorBody).error.code, 'ROUTE_NOT_FOUND');
    const traversal = await fetch(`${app.baseUrl}/assets/..%2f..%2fpackage.json`);
    assert.notEqual(traversal.status, 200);
  });

  it('cards show German formatting', async () => {
    const { page, problems } = await openKpis();
    await page.locator(ORDER_INTAKE_EUR).waitFor();

    const totals = await app.getJson<TotalsBody>('/api/v1/kpis/order_intake/totals');
    const expected = money('de-DE', totalOf(totals.body, 'ORDER_INTAKE_EUR'));
    const shown = await page.locator(ORDER_INTAKE_EUR).textContent();
    assert.equal(shown, expected);
    assert.match(shown ?? '', GERMAN_EURO);

    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.equal(await page.locator('h1').textContent(), 'Kennzahlen');
    assert.equal(await page.locator('[data-measure="ORDER_INTAKE_EUR"] .kpi-title').textContent(), 'Auftragseingang (EUR)');

    // Amounts in the order currency are listed per currency, never added up across currencies.
    const perCurrency = await page.locator('[data-measure="ORDER_INTAKE"] li').allTextContents();
    const byCurrency = await app.getJson<TotalsBody>('/api/v1/kpis/order_intake/totals?groupBy=CURRENCY');
    assert.deepEqual(
      perCurrency,
      byCurrency.body.groups.map((group) => money('de-DE', group.sums.ORDER_INTAKE as string, group.key.CURRENCY as string)),
    );

    const bars = await page.locator('.trend-chart rect.bar').count();
    const months = await app.getJson<TotalsBody>('/api/v1/kpis/order_intake/totals?groupBy=month');
    assert.equal(bars, months.body.groups.length);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('ratio cards divide the sums', async () => {
    const { page } = await openKpis('model=on_time_delivery');
    const card = page.locator('[data-measure="ON_TIME_SHARE"] .kpi-value');
    await card.waitFor();

    const totals = await app.getJson<TotalsBody>('/api/v1/kpis/on_time_delivery/totals');
    const onTime = BigInt(totalOf(totals.body, 'ON_TIME_ORDERS'));
    const delivered = BigInt(totalOf(totals.body, 'DELIVERED_ORDERS'));
    // Percent with one decimal: round onTime / delivered to four places, half away from zero.
    const scaled = (onTime * 20000n) / delivered;
    const ratio = `0.${((scaled + 1n) / 2n).toString().padStart(4, '0')}`;
    const expected = new Intl.NumberFormat('de-DE', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ratio as Intl.StringNumericLiteral);
    assert.equal(await card.textContent(), expected);
    assert.match(expected, /^\d{1,3},\d\u00a0%$/);
    await page.context().close();
  });

  it('English toggle changes labels and formats', async () => {
    const { page, problems } = await openKpis();
    await page.locator(ORDER_INTAKE_EUR).waitFor();
    const languages: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/')) {
        languages.push(request.headers()['accept-language'] ?? '');
      }
    });

    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('h1', { hasText: 'KPIs' }).waitFor();
    await page.locator(ORDER_INTAKE_EUR).waitFor();

    const totals = await app.getJson<TotalsBody>('/api/v1/kpis/order_intake/totals');
    const shown = await page.locator(ORDER_INTAKE_EUR).textContent();
    assert.equal(shown, money('en-GB', totalOf(totals.body, 'ORDER_INTAKE_EUR')));
    assert.match(shown ?? '', ENGLISH_EURO);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('[data-measure="ORDER_INTAKE_EUR"] .kpi-title').textContent(), 'Order intake (EUR)');

    const models = await app.getJson<{ models: { name: string; description: string }[] }>('/api/v1/models', 'en');
    const description = models.body.models.find((model) => model.name === 'order_intake')?.description;
    assert.equal(await page.locator('.model-description').textContent(), description);
    assert.ok(languages.length > 0, 'API calls after the switch');
    assert.deepEqual([...new Set(languages)], ['en']);

    // The choice is stored, so a reload stays in English.
    await page.reload();
    await page.locator('h1', { hasText: 'KPIs' }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('aurora.language')), 'en');
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('plant and date filters change the numbers', async () => {
    const { page, problems } = await openKpis();
    const card = page.locator(ORDER_INTAKE_EUR);
    await card.waitFor();
    const unfiltered = await card.textContent();

    const plant = page.locator('#filter-dim-PLANT_ID');
    await page.locator('#filter-dim-PLANT_ID option[value="2"]').waitFor({ state: 'attached' });
    await plant.selectOption('2');
    const plantTotals = await app.getJson<TotalsBody>('/api/v1/kpis/order_intake/totals?dim.PLANT_ID=2');
    const plantExpected = money('de-DE', totalOf(plantTotals.body, 'ORDER_INTAKE_EUR'));
    await page.waitForFunction(([selector, text]) => document.querySelector(selector as string)?.textContent === text, [ORDER_INTAKE_EUR, plantExpected]);
    assert.notEqual(plantExpected, unfiltered);

    await page.locator('#filter-from').fill('01.01.2024');
    await page.locator('#filter-from').press('Tab');
    const rangeTotals = await app.getJson<TotalsBody>('/api/v1/kpis/order_intake/totals?dim.PLANT_ID=2&from=2024-01-01');
    const rangeExpected = money('de-DE', totalOf(rangeTotals.body, 'ORDER_INTAKE_EUR'));
    await page.waitForFunction(([selector, text]) => document.querySelector(selector as string)?.textContent === text, [ORDER_INTAKE_EUR, rangeExpected]);
    assert.notEqual(rangeExpected, plantExpected);

    // The filters are kept in the address, so a reload shows the same selection.
    const hash = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    assert.equal(hash.get('dim.PLANT_ID'), '2');
    assert.equal(hash.get('from'), '2024-01-01');
    await page.reload();
    await page.waitForFunction(([selector, text]) => document.querySelector(selector as string)?.textContent === text, [ORDER_INTAKE_EUR, rangeExpected]);
    assert.equal(await page.locator('#filter-from').inputValue(), '01.01.2024');

    // An impossible date is marked and not sent.
    await page.locator('#filter-to').fill('31.02.2024');
    await page.locator('#filter-to').press('Tab');
    assert.equal(await page.locator('#filter-to').getAttribute('aria-invalid'), 'true');
    assert.equal(await card.textContent(), rangeExpected);
    assert.deepEqual(problems, []);
    await page.context().close();
  });

  it('language toggle works by keyboard', async () => {
    const { page } = await openKpis();
    await page.locator(ORDER_INTAKE_EUR).waitFor();

    let focused = '';
    for (let presses = 0; presses < 30 && focused !== 'de'; presses += 1) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.language ?? '');
    }
    assert.equal(focused, 'de', 'Tab reaches the DE button');

    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.language), 'en');
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'KPIs' }).waitFor();
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.language), 'en', 'focus stays on the switch');
    assert.equal(await page.locator('.language-button[data-language="en"]').getAttribute('aria-pressed'), 'true');

    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Space');
    await page.locator('h1', { hasText: 'Kennzahlen' }).waitFor();
    assert.equal(await page.locator('.language-button[data-language="de"]').getAttribute('aria-pressed'), 'true');
    await page.context().close();
  });

  it('shows the API message on a failed call', async () => {
    const { page, problems } = await openKpis('model=order_intake&from=2024-02-01&to=2024-01-01');
    const alert = page.locator('.kpi-section [role="alert"] p');
    await alert.waitFor();

    const german = await app.getJson<ErrorBody>('/api/v1/kpis/order_intake/totals?from=2024-02-01&to=2024-01-01', 'de');
    assert.equal(german.status, 400);
    assert.equal(await alert.textContent(), german.body.error.message);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /[{}]|"code"|at \w+ \(/, 'no JSON or stack on the page');

    await page.getByRole('button', { name: 'English' }).click();
    const english = await app.getJson<ErrorBody>('/api/v1/kpis/order_intake/totals?from=2024-02-01&to=2024-01-01', 'en');
    await page.locator('.kpi-section [role="alert"] p', { hasText: english.body.error.message }).waitFor();

    // The browser logs each failed response as a console error; nothing else may be logged.
    assert.ok(problems.every((problem) => problem.includes('status of 400')), problems.join('\n'));
    await page.context().close();
  });

  it('shows the API message before the first run', async () => {
    const empty: ApiLake = createApiLake();
    const emptyApp = await startDashboardServer(empty.config, { disabled: true }, webFolder);
    try {
      const watched = await openWatchedPage(browser);
      await watched.page.goto(`${emptyApp.baseUrl}/`);
      const expected = await emptyApp.getJson<ErrorBody>('/api/v1/models');
      assert.equal(expected.status, 503);
      await watched.page.locator('[role="alert"] p', { hasText: expected.body.error.message }).waitFor();
      assert.equal(await watched.page.getByRole('button', { name: 'Erneut versuchen' }).count(), 1);
      await watched.context.close();
    } finally {
      await emptyApp.close();
      empty.remove();
    }
  });

  it('no console errors or CSP violations', async () => {
    const { page, problems } = await openKpis();
    await page.locator(ORDER_INTAKE_EUR).waitFor();
    await page.locator('#chart-measure').selectOption('ORDER_INTAKE_EUR');
    await page.locator('#model-select').selectOption('revenue');
    await page.locator('[data-measure="REVENUE_EUR"] .kpi-value').waitFor();
    await page.locator('.trend-chart').waitFor();

    await page.getByRole('link', { name: 'Aufträge' }).click();
    await page.locator('.orders-table tbody tr').first().waitFor();
    await page.getByRole('link', { name: 'Datenqualität' }).click();
    await page.locator('.table-report[open] .rules-table').first().waitFor();

    // The page's own policy is the one in force: an injected inline script must be blocked.
    const inlineRan = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.body.append(script);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return (window as unknown as { inlineScriptRan?: boolean }).inlineScriptRan === true;
    });
    assert.equal(inlineRan, false, 'inline script blocked by the CSP');
    const violations = problems.filter((problem) => problem.startsWith('CSP violation'));
    assert.equal(violations.length, 1, problems.join('\n'));
    assert.match(violations[0] ?? '', /script-src/);
    assert.deepEqual(
      problems.filter((problem) => !problem.includes('script-src') && !problem.includes("Refused to execute inline script")),
      [],
    );
    await page.context().close();
  });
});
