// ConsoleBrowserTest's browser side: opens the console in headless Chromium, sees the dead letters
// of the queue "work", peeks at its dead-letter queue and redrives them, then sees none left;
// pauses the channel "work" and resumes it.
//   node console.test.mjs <console url> <user> <password> <screenshot path>
import { chromium } from 'playwright-core';

const [url, user, password, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
    const context = await browser.newContext({ httpCredentials: { username: user, password } });
    const page = await context.newPage();
    await page.goto(url);
    const deadLettered = () => document.querySelector('[data-testid=queues] tr[data-queue="work"] td.dead')?.textContent;
    await page.waitForFunction(`(${deadLettered})() === '3'`, null, { timeout: 20000 });
    await page.click('[data-testid="peek-work.dlq"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=messages] tbody tr').length === 3,
        null, { timeout: 10000 });
    const reasons = await page.$$eval('[data-testid=messages] tbody tr td:nth-child(7)', cells => cells.map(c => c.textContent));
    if (!reasons.every(reason => reason.includes('not yet'))) {
        throw new Error('the peek shows the reasons: ' + JSON.stringify(reasons));
    }
    await page.click('[data-testid=redrive-all]');
    // redriven and consumed: the queue and its dead-letter queue empty, seen by the page's refresh
    await page.waitForFunction(`(${deadLettered})() === '0'`, null, { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=messages] tbody tr').length === 0,
        null, { timeout: 10000 });
    // pause the consumer and resume it
    const state = () => document.querySelector('[data-testid=channels] tr[data-channel="work"] td.state')?.textContent;
    await page.click('[data-testid=pause-work]');
    await page.waitForFunction(`(${state})() === 'paused'`, null, { timeout: 10000 });
    await page.click('[data-testid=resume-work]');
    await page.waitForFunction(`(${state})() === 'running'`, null, { timeout: 10000 });
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log('console ok');
} finally {
    await browser.close();
}
