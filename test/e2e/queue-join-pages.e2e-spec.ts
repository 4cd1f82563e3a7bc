import { execFileSync } from 'node:child_process';
import { Browser, chromium, Page } from 'playwright-core';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createProvider } from '../support/factories';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

/** Debian's Chromium (as test/e2e/pages.e2e-spec.ts); without it this spec is skipped and says so. */
function chromiumPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const CHROMIUM = chromiumPath();
if (!CHROMIUM) console.warn('queue-join-pages.e2e-spec: no chromium on PATH; the browser spec is skipped');
const describeWithBrowser = CHROMIUM ? describeBackend : describe.skip;
const PHONE_WIDTH = 390;

/** The remote join as a person with a phone's browser does it: the form, the emailed link, its button, the live page. */
describeWithBrowser('remote join in a browser', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: await smtp.start() } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: PHONE_WIDTH, height: 844 }, isMobile: true, hasTouch: true });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const fitsThePhone = async () =>
    expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(PHONE_WIDTH);

  it('joins from the form and the emailed link on a 390 px screen, then follows the place live', async () => {
    const provider = await createProvider(sut.api, { name: 'Dr. <b>Phone</b> & Co', time_zone: 'UTC' });
    const email = `browser-${Date.now()}@join.test`;

    await page.goto(`${sut.url}/api/queue/join?provider_id=${provider.id}`);
    await fitsThePhone();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Join the queue of Dr. <b>Phone</b> & Co');
    await page.getByLabel('Your name').fill('Grace <i>Hopper</i>');
    await page.getByLabel('or email').fill(email);
    const [sent] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send me the link' }).click()]);
    expect(sent?.status()).toBe(202);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your messages');

    const mail = await smtp.waitFor(email);
    const link = /(https?:\/\/\S+\/api\/queue\/join\/entry\?token=[A-Za-z0-9._%-]+)/.exec(mail.text ?? '')![1];
    await page.goto(link);
    await fitsThePhone();
    await expect(page.locator('body').textContent()).resolves.toContain('Grace <i>Hopper</i>');
    const [joined] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Join the queue now' }).click()]);
    expect(joined?.status()).toBe(200);
    await expect(page.locator('#headline').textContent()).resolves.toBe('#1 You are next in line');
    await fitsThePhone();

    // The provider calls: the open page says so, with no reload.
    await expect(sut.api.post('/api/queue/next', { provider_id: provider.id })).resolves.toMatchObject({ status: 200 });
    // A locator waits from Playwright's own world, which the page's CSP (no 'unsafe-eval') leaves alone.
    // Generous: the change reaches the page through the app's event stream, which a loaded machine may delay.
    await page
      .locator('#headline')
      .filter({ hasText: /^It's your turn!$/ })
      .waitFor({ timeout: 20_000 });
    // A real browser through four pages, an email and a live update: on a loaded machine that outlasts Jest's 30 s.
  }, 90_000);
});
