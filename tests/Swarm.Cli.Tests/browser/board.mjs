// Usage: node board.mjs <board url> <output folder>
// Drives the swarm board in headless Chromium (the Debian package, or CHROMIUM_PATH) at 1280x800: opens each page,
// waits for what the seed scenario leaves on it, saves a screenshot of each, opens an instance's history
// (BOARD_INSTANCE) with its events' trace links, a work item's life (BOARD_WORK_ITEM) with its transitions' trace links,
// the instances waiting on something (BOARD_WAITING_ON), an incident's steps (BOARD_INCIDENT) and the trace a step's link
// opens, and prints what each page said as one JSON line.
import { chromium } from 'playwright-core';
import path from 'node:path';

const [board, folder] = process.argv.slice(2);
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
    if (waitText) {
      await page.getByText(waitText, { exact: false }).first().waitFor({ timeout: 30000 });
    }
    // Clicks and typing before the page's circuit connects are lost: wait until the board is live.
    await page.locator('[data-testid=interactive]').waitFor({ state: 'attached', timeout: 30000 });
    // The live page loads its data again from scratch (the prerendered copy is replaced): wait for it once more.
    if (waitText) {
      await page.getByText(waitText, { exact: false }).first().waitFor({ timeout: 30000 });
    }
  };
  // Each page, with what it must show before its screenshot (BOARD_EXPECT_<NAME> overrides the default).
  for (const [name, route, expect] of [
    ['overview', 'board', 'Roberts'],
    ['governance', 'board/governance', 'Decided motions'],
    ['delivery', 'board/delivery', 'Delivery'],
    ['improvement', 'board/improvement', 'Improvement'],
    ['work', 'board/work', 'Work items'],
    ['instances', 'board/instances', 'Instances'],
  ]) {
    await open(route, process.env[`BOARD_EXPECT_${name.toUpperCase()}`] || expect);
    await shot(page, name);
  }
  if (process.env.BOARD_INSTANCE) {
    await open(`board/instances/${encodeURIComponent(process.env.BOARD_INSTANCE)}`, 'task-scheduled');
    await page.locator('[data-testid=event-trace]').first().waitFor({ timeout: 30000 });
    result.eventTraceLink = await page.locator('[data-testid=event-trace]').first().getAttribute('href');
    await shot(page, 'instance');
  }
  if (process.env.BOARD_WORK_ITEM) {
    // One work item's life: each transition links to the trace and span of the command that caused it.
    await open(`board/work/${encodeURIComponent(process.env.BOARD_WORK_ITEM)}`, 'in-progress');
    await page.locator('[data-testid=transition-trace]').first().waitFor({ timeout: 30000 });
    result.transitionTraceLinks = await page.locator('[data-testid=transition-trace]').evaluateAll(links => links.map(a => a.getAttribute('href')));
    await shot(page, 'work-item');
  }
  if (process.env.BOARD_WAITING_ON) {
    // Instances filtered by what they wait on. BOARD_WAITING_ON lists candidates ("a|b"): what an agent waits on
    // changes as it runs (the team agent alternates between its next event and a timer), so each is tried in turn
    // until the filter shows an instance waiting on it; the one shown is reported as waitingOn.
    await open('board/instances', 'Instances');
    const candidates = process.env.BOARD_WAITING_ON.split('|');
    const until = Date.now() + 60000;
    for (let i = 0; !result.waitingOn; i++) {
      const candidate = candidates[i % candidates.length];
      await page.locator('[data-testid=waiting-on] input').fill(candidate);
      await page.locator('[data-testid=filter]').click();
      try {
        await page.getByText(`waiting on ${candidate}`, { exact: false }).first().waitFor({ timeout: 5000 });
        result.waitingOn = candidate;
      } catch (error) {
        if (Date.now() > until) throw error;
      }
    }
    await shot(page, 'waiting');
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
