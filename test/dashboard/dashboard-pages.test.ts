import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';

import { readOidcSettings } from '../../src/api/auth/oidc-settings.js';
import { localUser } from '../api/auth-helpers.js';
import { freePort, startTestProvider } from '../api/oidc-fixtures.js';
import { launchChromium, openWatchedPage } from './browser.js';
import { startDashboardServer, type DashboardServer } from './dashboard-server.js';
import { createErpLake, type ErpLake } from './erp-lake.js';
import { money } from './expected-values.js';
import { buildDashboard } from './web-build.js';

const SCALE = 0.002;
const CONTROLLER_PASSWORD = 'Controlling-2026-Passwort';
const VIEWER_PASSWORD = 'nur-lesen-2026';

interface OrdersBody {
  columns: { name: string; label: string }[];
  rows: Record<string, string | number | null>[];
  nextCursor: string | null;
}

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

describe('dashboard orders, quality and sign-in in Chromium', () => {
  let webFolder: string;
  let lake: ErpLake;
  let open: DashboardServer;
  let browser: Browser;

  before(async () => {
    webFolder = buildDashboard();
    lake = await createErpLake(SCALE);
    open = await startDashboardServer(lake.config, { disabled: true }, webFolder);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await open?.close();
    lake?.remove();
    rmSync(webFolder, { recursive: true, force: true });
  });

  it('orders table sorts and loads more', async () => {
    const { page, problems, context } = await openWatchedPage(browser);
    await page.goto(`${open.baseUrl}/#/orders`);
    const rows = page.locator('.orders-table tbody tr');
    await rows.nth(99).waitFor();
    assert.equal(await rows.count(), 100);

    const first = await open.getJson<OrdersBody>('/api/v1/orders?limit=100');
    const second = await open.getJson<OrdersBody>(`/api/v1/orders?limit=100&cursor=${first.body.nextCursor}`);
    const headers = await page.locator('.orders-table thead th').allTextContents();
    const columns = Object.keys(first.body.rows[0] ?? {});
    assert.equal(headers.length, columns.length);
    assert.deepEqual(headers, first.body.columns.map((column) => column.label), 'the headings declared under api.orders, in German');

    // Row 1 as the API returns it, formatted: the order number as is, the date as 31.12.2025, the amount in its currency.
    const apiRow = first.body.rows[0] as Record<string, string>;
    const cells = await rows.first().locator('td').allTextContents();
    assert.equal(cells[columns.indexOf('ORDER_NO')], apiRow.ORDER_NO);
    const [year, month, day] = (apiRow.ORDER_DATE as string).split('-');
    assert.equal(cells[columns.indexOf('ORDER_DATE')], `${day}.${month}.${year}`);
    assert.equal(cells[columns.indexOf('NET_AMOUNT')], money('de-DE', apiRow.NET_AMOUNT as string, apiRow.CURRENCY));

    await page.getByRole('button', { name: 'Weitere laden' }).click();
    await rows.nth(199).waitFor();
    const continued = await rows.nth(100).locator('td').first().textContent();
    assert.equal(continued, String(second.body.rows[0]?.ORDER_ID));

    await page.getByRole('button', { name: 'Sortieren nach Nettobetrag' }).click();
    await page.locator('th[aria-sort="ascending"]').waitFor();
    const sorted = await open.getJson<OrdersBody>('/api/v1/orders?limit=100&sort=NET_AMOUNT');
    const lowest = sorted.body.rows[0] as Record<string, string>;
    await page.waitForFunction((id) => document.querySelector('.orders-table tbody td')?.textContent === id, String(lowest.ORDER_ID));
    assert.equal(await rows.count(), 100, 'a new sort starts at page one');

    await page.getByRole('button', { name: 'Sortieren nach Nettobetrag' }).click();
    await page.locator('th[aria-sort="descending"]').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('orders sort error shows the API message', async () => {
    const { page, context } = await openWatchedPage(browser);
    await page.goto(`${open.baseUrl}/#/orders?sort=INCOTERM`);
    const expected = await open.getJson<ErrorBody>('/api/v1/orders?sort=INCOTERM&limit=100');
    assert.equal(expected.status, 400);
    await page.locator('[role="alert"] p', { hasText: expected.body.error.message }).waitFor();
    await context.close();
  });

  it('quality page shows rules and quarantine', async () => {
    const { page, problems, context } = await openWatchedPage(browser);
    await page.goto(`${open.baseUrl}/#/quality`);
    const runs = await open.getJson<{ runs: { runId: string }[] }>('/api/v1/runs');
    const runId = runs.body.runs[0]?.runId as string;
    await page.locator(`tr[data-run="${runId}"].selected`).waitFor();

    const ordersReport = page.locator('.table-report', { hasText: 'ORDERS:' }).first();
    const ruleRow = ordersReport.locator('tr', { hasText: 'customer_exists' });
    await ruleRow.waitFor();
    await ruleRow.getByRole('button', { name: 'Quarantäne zeigen' }).click();

    const quarantine = await open.getJson<{ rows: { key: Record<string, string> }[] }>(`/api/v1/quality/${runId}/quarantine?table=ORDERS&rule=customer_exists&limit=50`);
    assert.ok(quarantine.body.rows.length > 0, 'the sample has orders of unknown customers');
    const shownRows = page.locator('.quarantine-table tbody tr');
    await shownRows.first().waitFor();
    assert.equal(await shownRows.count(), quarantine.body.rows.length);
    assert.match((await shownRows.first().locator('td.failures').textContent()) ?? '', /^customer_exists: /m);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H2', 'focus moves to the quarantine heading');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('sign-in, roles and sign-out', async () => {
    const users = [await localUser('clara', 'controller', CONTROLLER_PASSWORD), await localUser('viktor', 'viewer', VIEWER_PASSWORD)];
    const secured = await startDashboardServer(lake.config, { users }, webFolder);
    try {
      const { page, problems, context } = await openWatchedPage(browser);
      await page.goto(`${secured.baseUrl}/`);
      await page.getByLabel('Benutzername').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Anmelden mit Microsoft' }).count(), 0, 'no OpenID Connect configured');
      assert.equal(await page.getByRole('navigation').count(), 0);

      await page.getByLabel('Benutzername').fill('clara');
      await page.getByLabel('Passwort').fill('falsch');
      await page.getByRole('button', { name: 'Anmelden' }).click();
      const rejected = await fetch(`${secured.baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-language': 'de' },
        body: JSON.stringify({ username: 'clara', password: 'falsch' }),
      });
      assert.equal(rejected.status, 401);
      const message = ((await rejected.json()) as ErrorBody).error.message;
      await page.locator('[role="alert"] p', { hasText: message }).waitFor();

      await page.getByLabel('Passwort').fill(CONTROLLER_PASSWORD);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.locator('[data-measure="ORDER_INTAKE_EUR"] .kpi-value').waitFor();
      assert.equal(await page.locator('.user-name').textContent(), 'clara');
      assert.equal(await page.getByRole('link', { name: 'Aufträge' }).count(), 1, 'controller sees orders');
      assert.equal(await page.getByRole('link', { name: 'Datenqualität' }).count(), 0, 'controller does not see data quality');
      assert.equal(await page.locator('.export-links a').count(), 2);

      await page.getByRole('button', { name: 'Abmelden' }).click();
      await page.getByLabel('Benutzername').waitFor();
      const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
      assert.equal(me, 401, 'the session is gone');

      await page.getByLabel('Benutzername').fill('viktor');
      await page.getByLabel('Passwort').fill(VIEWER_PASSWORD);
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await page.locator('[data-measure="ORDER_INTAKE_EUR"] .kpi-value').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Aufträge' }).count(), 0, 'viewer does not see orders');
      assert.equal(await page.locator('.export-links a').count(), 0, 'viewer gets no export links');

      // A session that ends on the server side (here: the cookie is gone) leads back to the sign-in page at the next call.
      await context.clearCookies();
      await page.locator('#model-select').selectOption('revenue');
      await page.getByLabel('Benutzername').waitFor();

      // The browser logs the 401 responses of the wrong password and of /api/v1/me; nothing else.
      assert.ok(problems.every((problem) => problem.includes('status of 401')), problems.join('\n'));
      await context.close();
    } finally {
      await secured.close();
    }
  });

  it('Microsoft sign-in through the provider', async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/auth/oidc/callback`;
    const provider = await startTestProvider({ redirectUris: [redirectUri], accounts: { 'clara-controlling': { name: 'Clara Controlling', roles: ['Aurora.Controller'] } } });
    const oidc = readOidcSettings({
      AURORA_OIDC_ISSUER: provider.issuer,
      AURORA_OIDC_CLIENT_ID: provider.clientId,
      AURORA_OIDC_CLIENT_SECRET: provider.clientSecret,
      AURORA_OIDC_REDIRECT_URI: redirectUri,
      AURORA_OIDC_ROLE_MAP: 'Aurora.Controller=controller',
    });
    assert.ok(oidc);
    const secured = await startDashboardServer(lake.config, { oidc }, webFolder, port);
    try {
      const { page, problems, context } = await openWatchedPage(browser);
      await page.goto(`${secured.baseUrl}/`);
      const button = page.getByRole('link', { name: 'Anmelden mit Microsoft' });
      await button.waitFor();
      assert.equal(await button.getAttribute('href'), '/auth/oidc/login');
      assert.equal(await page.getByLabel('Benutzername').count(), 0, 'no local users configured');

      // The test provider's development pages: a login form that takes any password, then a consent form.
      await button.click();
      await page.locator('input[name="login"]').fill('clara-controlling');
      await page.locator('input[name="password"]').fill('any');
      await page.locator('form button[type="submit"]').first().click();
      await page.waitForURL((url) => url.origin === secured.baseUrl || url.pathname.includes('/interaction/'));
      if (!page.url().startsWith(secured.baseUrl)) {
        await page.locator('form button[type="submit"]').first().click();
      }

      await page.waitForURL((url) => url.origin === secured.baseUrl);
      problems.length = 0;
      await page.locator('[data-measure="ORDER_INTAKE_EUR"] .kpi-value').waitFor();
      assert.equal(await page.locator('.user-name').textContent(), 'Clara Controlling');
      assert.equal(await page.getByRole('link', { name: 'Aufträge' }).count(), 1, 'the role claim maps to controller');
      assert.deepEqual(problems, [], 'no errors back on the dashboard');
      await context.close();
    } finally {
      await secured.close();
      await provider.close();
    }
  });
});
