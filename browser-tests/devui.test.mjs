// DevUIBrowserTest's browser side: opens the pages of the extension's Dev UI card in headless
// Chromium, sees the queue "work" with a dead letter, peeks at it with its reason, redrives it with
// one click and sees it consumed; pauses and resumes the channel "audit"; sees the exchange
// "orders" with its binding and the group "devshop" on the topic "events" with no lag.
// Playwright's locators pierce the pages' shadow roots.
//   node devui.test.mjs <the card's Dev UI url, .../q/dev-ui/quarkus-messaging-postgres> <screenshot path>
import { chromium } from 'playwright-core';

const [base, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
});

async function until(what, condition, timeoutMillis = 20000) {
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
        try {
            if (await condition()) {
                return;
            }
        } catch (e) {
            // not rendered yet
        }
        if (Date.now() > deadline) {
            throw new Error('timed out waiting for ' + what);
        }
        await new Promise(resolve => setTimeout(resolve, 250));
    }
}

function row(page, component, firstCell) {
    return page.locator(component + ' tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp('^' + firstCell + '$') }) });
}

const text = async locator => (await locator.first().textContent({ timeout: 1000 })).trim();

try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));

    await page.goto(base + '/queues');
    const work = row(page, 'qwc-postgres-messaging-queues', 'work');
    await until('a dead letter of work', async () => Number(await text(work.locator('td.dead'))) >= 1, 60000);
    // peek at the dead-letter queue: the job and why it failed
    await row(page, 'qwc-postgres-messaging-queues', 'work\\.dlq').getByRole('button', { name: 'Peek' }).click();
    const poisoned = page.locator('qwc-postgres-messaging-queues table[data-testid=messages] tr', { hasText: 'poison' });
    await until('the dead letter peeked, with its reason', async () => (await text(poisoned)).includes('poisoned job'));
    await work.getByRole('button', { name: 'Redrive all' }).click();
    await until('work and its dead-letter queue empty', async () => await text(work.locator('td.dead')) === '0'
        && await text(work.locator('td:nth-child(2)')) === '0' && await text(work.locator('td:nth-child(4)')) === '0'
        && await poisoned.count() === 0);
    await page.screenshot({ path: screenshot, fullPage: true });

    await page.goto(base + '/channels');
    const audit = row(page, 'qwc-postgres-messaging-channels', 'audit');
    await until('the channel audit running', async () => (await text(audit.locator('td:nth-child(5)'))) === 'running');
    await audit.getByRole('button', { name: 'Pause' }).click();
    await until('audit paused', async () => (await text(audit.locator('td:nth-child(5)'))) === 'paused');
    await audit.getByRole('button', { name: 'Resume' }).click();
    await until('audit resumed', async () => (await text(audit.locator('td:nth-child(5)'))) === 'running');
    await until('the resolved attributes of work', async () =>
        (await text(row(page, 'qwc-postgres-messaging-channels', 'work').locator('details'))).includes('work.dlq'));

    await page.goto(base + '/exchanges');
    const orders = row(page, 'qwc-postgres-messaging-exchanges', 'orders');
    await until('the exchange orders bound to audit', async () => (await text(orders)).includes('order.*')
        && (await text(orders)).includes('audit'));

    await page.goto(base + '/topics');
    const events = row(page, 'qwc-postgres-messaging-topics', 'events');
    await until('the group devshop on events, no lag', async () => (await text(events.locator('td:nth-child(4)'))) === 'devshop'
        && (await text(events.locator('td:nth-child(6)'))) === '0');

    if (errors.length > 0) {
        throw new Error('errors in the page: ' + errors.join('; '));
    }
    console.log('dev ui ok');
} finally {
    await browser.close();
}
