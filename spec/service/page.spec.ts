/**
 * The status page in a real browser: Debian's chromium driven headless by playwright-core (no
 * browser download). Without chromium it prints SKIP; under REQUIRE_BROWSER=1 (CI) it fails.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { backfill, putJob, submitRun } from '../../lib/index.js';
import { repoRoot, tempDir } from '../helpers.js';
import { startServer, streamJob } from './server.js';

const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
if (!have) {
  const line = `SKIP browser spec: no chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 and ${line}`);
  console.error(`\n!!!!!!!! ${line} !!!!!!!!\n`);
}

if (have) {
  test('the page shows the run\'s row going RUNNING → SUCCEEDED without a reload, and its log lines', async () => {
    const { dir, cleanup } = tempDir();
    const server = await startServer({ data: join(dir, 'data'), slots: 4 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      await putJob('nightly', { job: streamJob({ records: 20, channel: 1 }), schedule: { cron: '0 2 * * *', tz: 'Asia/Shanghai' } }, server.client);
      await backfill('nightly', { from: '20240101', to: '20240103', parallel: 2 }, server.client);
      const run = await submitRun({ job: streamJob({ records: 6000, channel: 2, recordsPerSecond: 2000 }), source: 'orders.json', bizdate: '20240105' }, server.client);
      const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
      await page.goto(server.url + '/');
      const row = page.locator(`#runs tr[data-run="${run.id}"]`);
      await row.locator('.state', { hasText: 'RUNNING' }).waitFor({ timeout: 10_000 });
      assert.match(await row.innerText(), /orders\.json\s+20240105/);
      await page.locator('#runs .bar').first().waitFor({ timeout: 5_000 });
      assert.match(await page.locator('#jobs').innerText(), /nightly\s+1\s+0 2 \* \* \* Asia\/Shanghai/);
      await page.screenshot({ path: join(repoRoot, 'docs', 'status-page.png') });
      const reloads: string[] = [];
      page.on('framenavigated', (f) => reloads.push(f.url()));
      await row.locator('.state', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 15_000 });
      assert.match(await row.innerText(), /6,000/);
      assert.equal(reloads, [], 'no reload');

      await row.locator('a').click();
      const log = page.locator('#log');
      await log.getByText(/Records written\s+: 6,000/).waitFor({ timeout: 5_000 });
      assert.match(await log.innerText(), new RegExp(`run ${run.id} started on 2 of 4 slots`));
      assert.match(await page.locator('#summary').innerText(), /SUCCEEDED/);
    } finally {
      await browser.close();
      await server.stop();
      cleanup();
    }
  });
}

test.run();
