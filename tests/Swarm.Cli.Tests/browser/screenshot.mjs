// Usage: node screenshot.mjs <dashboard url> <trace id> <expected span name> <output folder>
// Opens the dashboard's traces page and the trace's detail page in headless Chromium (the Debian package, or
// CHROMIUM_PATH), waits until each shows the expected span, saves a screenshot of each and prints what the pages said
// as one JSON line. The dashboard is a Blazor Server app: its pages render over a websocket after load, which the
// browser's own --screenshot does not wait for.
import { chromium } from 'playwright-core';
import path from 'node:path';

const [dashboard, traceId, spanName, folder] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  for (const [name, url] of [
    ['traces', new URL('/traces', dashboard).toString()],
    ['detail', new URL(`/traces/detail/${traceId}`, dashboard).toString()],
  ]) {
    await page.goto(url, { waitUntil: 'networkidle', timeout: 30000 });
    await page.getByText(spanName, { exact: false }).first().waitFor({ timeout: 30000 });
    // The grid fills in as rows render; give it a moment to settle before the picture.
    await page.waitForTimeout(1500);
    const file = path.join(folder, `dashboard-${name}.png`);
    await page.screenshot({ path: file });
    result[name] = { url, file, title: await page.title(), text: await page.evaluate(() => document.body.innerText) };
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
