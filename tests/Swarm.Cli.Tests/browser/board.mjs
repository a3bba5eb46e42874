// Usage: node board.mjs <board url> <output folder>
// Drives the swarm board in headless Chromium (the Debian package, or CHROMIUM_PATH) at 1280x800: opens each page,
// waits for what the seed scenario leaves on it, saves a screenshot of each, opens an instance's history
// (BOARD_INSTANCE), an incident's steps (BOARD_INCIDENT) and the trace a step's link opens, and prints what each page said as one JSON line.
import { chromium } from 'playwright-core';
import path from 'node:path';

const [board, folder] = process.argv.slice(2);
const key = undefined;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const result = { pages: {} };
const shot = async (page, name) => {
  const file = path.join(folder, `board-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  result.pages[name] = { url: page.url(), file, text: await page.evaluate(() => document.body.innerText) };
};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const open = async (route, waitText) => {
    await page.goto(new URL(route, board).toString(), { waitUntil: 'networkidle', timeout: 30000 });
    if (key) {
      await page.locator('[data-testid=key] input').fill(key).catch(async () => page.locator('[data-testid=key]').fill(key));
      await page.locator('[data-testid=use-key]').click();
    }
    if (waitText) {
      await page.getByText(waitText, { exact: false }).first().waitFor({ timeout: 30000 });
    }
  };
  await open('board', process.env.BOARD_EXPECT_OVERVIEW || 'Roberts');
  await shot(page, 'overview');
  await open('board/governance', process.env.BOARD_EXPECT_GOVERNANCE || 'Decided motions');
  await shot(page, 'governance');
  await open('board/delivery', process.env.BOARD_EXPECT_DELIVERY || 'Delivery');
  await shot(page, 'delivery');
  await open('board/improvement', process.env.BOARD_EXPECT_IMPROVEMENT || 'Improvement');
  await shot(page, 'improvement');
  await open('board/work', process.env.BOARD_EXPECT_WORK || 'Work items');
  await shot(page, 'work');
  await open('board/instances', process.env.BOARD_EXPECT_INSTANCES || 'Instances');
  await shot(page, 'instances');
  if (process.env.BOARD_INSTANCE) {
    await open(`board/instances/${encodeURIComponent(process.env.BOARD_INSTANCE)}`, 'task-scheduled');
    await shot(page, 'instance');
  }
  if (process.env.BOARD_INCIDENT) {
    await open('board/incidents', process.env.BOARD_INCIDENT);
    await page.locator(`[data-testid="steps-${process.env.BOARD_INCIDENT}"]`).click();
    const link = page.locator('[data-testid=trace-link]').first();
    await link.waitFor({ timeout: 30000 });
    await shot(page, 'incidents');
    result.traceLink = await link.getAttribute('href');
    await page.goto(result.traceLink, { waitUntil: 'networkidle', timeout: 30000 });
    await page.getByText('Total spans', { exact: false }).first().waitFor({ timeout: 30000 });
    await shot(page, 'trace');
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
