// Usage: node vote.mjs <board url> <output folder> <motion id> <member> <choice> <key>
// Opens the board's governance page (or BOARD_VOTE_ROUTE) in headless Chromium at 1280x800 without a key and records the
// problem it shows; then enters the key, casts <choice> as <member> from the motion's card (or the card BOARD_VOTE_CARD
// names: an incident's, for its approval motion) with the choice's button, then Confirm, waits for the outcome, and
// prints both pages' text as one JSON line, with a screenshot of each (named after BOARD_VOTE_SHOT, default "vote").
import { chromium } from 'playwright-core';
import path from 'node:path';

const [board, folder, motion, member, choice, key] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const result = {};
const fill = async (locator, value) => {
  // A Fluent text field is a web component whose input lives in its shadow root; the locator pierces it.
  await locator.locator('input').fill(value);
};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const shot = process.env.BOARD_VOTE_SHOT || 'vote';
  await page.goto(new URL(process.env.BOARD_VOTE_ROUTE || 'board/governance', board).toString(), { waitUntil: 'domcontentloaded', timeout: 60000 });
  await page.locator('[data-testid=problem]').first().waitFor({ timeout: 60000 });
  // Input before the page's circuit connects is lost: wait until the board is live.
  await page.locator('[data-testid=interactive]').waitFor({ state: 'attached', timeout: 60000 });
  // The live page loads again from scratch (the prerendered copy is replaced): wait for its answer once more.
  await page.locator('[data-testid=problem]').first().waitFor({ timeout: 60000 });
  await page.screenshot({ path: path.join(folder, `board-${shot}-without-key.png`), fullPage: true });
  result.withoutKey = await page.evaluate(() => document.body.innerText);

  await fill(page.locator('[data-testid=key]'), key);
  await page.locator('[data-testid=use-key]').click();
  const card = page.locator(`[data-testid="${process.env.BOARD_VOTE_CARD || `motion-${motion}`}"]`);
  await card.waitFor({ timeout: 60000 });
  await fill(card.locator('[data-testid=voter]'), member);
  await card.locator(`[data-testid=vote-${choice}]`).click();
  await card.locator('[data-testid=confirm]').click();
  await page.locator('[data-testid=outcome], [data-testid=problem]').first().waitFor({ timeout: 60000 });
  await page.screenshot({ path: path.join(folder, `board-${shot}.png`), fullPage: true });
  result.withKey = await page.evaluate(() => document.body.innerText);
} catch (error) {
  // What the page showed when a step failed, for the test's artifacts.
  for (const page of browser.contexts().flatMap(c => c.pages())) {
    await page.screenshot({ path: path.join(folder, `board-${process.env.BOARD_VOTE_SHOT || 'vote'}-failed.png`), fullPage: true }).catch(() => {});
    console.error(await page.evaluate(() => document.body.innerText).catch(() => ''));
  }
  throw error;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
