import { execFileSync } from 'node:child_process';
import { ParsedMail } from 'mailparser';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createProvider, futureDate, publish } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

/** Debian's Chromium (.ci/run installs it); without it this spec cannot run and says so. */
function chromiumPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const CHROMIUM = chromiumPath();
if (!CHROMIUM) console.warn('pages.e2e-spec: no chromium on PATH (apt-get install chromium); the browser specs are skipped');
const describeWithBrowser = CHROMIUM ? describeBackend : describe.skip;

/** A phone's screen. */
const PHONE_WIDTH = 390;

function manageLink(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/api\/manage\?token=[A-Za-z0-9._%-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error('No manage link in the mail');
  return match[1];
}

/** The booking page and the manage link, used as a person with a phone's browser would. */
describeWithBrowser('pages in a browser', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let provider: { id: number; name: string };
  let firstDay: string;
  let secondDay: string;
  let people = 0;

  const newEmail = () => `person-${Date.now()}-${++people}@pages.test`;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const smtpUrl = await smtp.start();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: smtpUrl, HOLD_REMINDER_SECONDS: '0' } });
    // A name a page must show as text, never as markup.
    provider = await createProvider(sut.api, { name: 'Dr. <b>Page</b> & Sons', time_zone: 'Europe/Paris' });
    firstDay = futureDate(3, 'Europe/Paris');
    secondDay = futureDate(4, 'Europe/Paris');
    await publish(sut.api, provider.id, firstDay, '09:00', '12:00');
    await publish(sut.api, provider.id, secondDay, '14:00', '16:00');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: PHONE_WIDTH, height: 844 }, isMobile: true, hasTouch: true });
  }, 60_000);

  // Each test drives a real browser through a dozen pages and two emails: on a loaded machine that may outlast Jest's 30 s.
  jest.setTimeout(90_000);

  beforeEach(async () => {
    page = await context.newPage();
  });

  afterEach(async () => {
    await page?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  async function expectFitsThePhone(): Promise<void> {
    // Run in the page (a string: this project's types have no DOM).
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(PHONE_WIDTH);
  }

  /** A person opens the booking page, picks `time` on the day shown, fills the form and sends it. */
  async function bookFromThePage(time: string, email: string): Promise<number> {
    const opened = await page.goto(`${sut.url}/api/book?provider_id=${provider.id}`);
    expect(opened?.status()).toBe(200);
    await page.getByLabel(time, { exact: true }).check();
    await page.getByLabel('Your name').fill('Grace <i>Hopper</i>');
    await page.getByLabel('Your email').fill(email);
    const [answer] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Book this time' }).click()]);
    expect(answer?.status()).toBe(202);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your email');
    const mail = await smtp.waitFor(email);
    return linkAppointmentId(mail)!;
  }

  /** Follows the emailed validation link and presses its button: the appointment is booked. */
  async function confirmFromTheEmail(email: string, appointmentId: number): Promise<string> {
    const mail = await smtp.waitFor(email, (message) => linkAppointmentId(message) === appointmentId);
    await page.goto(validationLink(mail));
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirm my appointment' }).click()]);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Appointment confirmed');
    const confirmation = await smtp.waitFor(email, (message) => /confirmed/i.test(message.subject ?? ''));
    return manageLink(confirmation);
  }

  const statusOf = async (appointmentId: number) => (await sut.api.get(`/api/appointments/${appointmentId}`)).body;

  it('shows the first open day on a phone without sideways scrolling, and books from the form through the emailed link', async () => {
    const email = newEmail();
    const appointmentId = await bookFromThePage('10:00', email);
    await expect(statusOf(appointmentId)).resolves.toMatchObject({ status: 'pending', date: firstDay, start_time: '10:00' });

    await page.goto(`${sut.url}/api/book?provider_id=${provider.id}`);
    await expectFitsThePhone();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Book with Dr. <b>Page</b> & Sons');
    await expect(page.locator('body').textContent()).resolves.toContain('Europe/Paris');
    // The held time is no longer offered; the next day is one link away.
    await expect(page.getByLabel('10:00', { exact: true }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: new RegExp(`${secondDay}`) }).click();
    await expect(page.getByLabel('14:00', { exact: true }).count()).resolves.toBe(1);
    await expectFitsThePhone();

    await confirmFromTheEmail(email, appointmentId);
    await expect(statusOf(appointmentId)).resolves.toMatchObject({ status: 'confirmed' });
  });

  it('shows the form again, saying so, when the time was taken meanwhile', async () => {
    await page.goto(`${sut.url}/api/book?provider_id=${provider.id}`);
    await page.getByLabel('11:00', { exact: true }).check();
    await page.getByLabel('Your name').fill('Late Comer');
    await page.getByLabel('Your email').fill(newEmail());
    // Someone else takes 11:00 while this person types.
    const other = await sut.anonymous.post('/api/client_schedule', {
      date: firstDay,
      provider_id: provider.id,
      requested_slot: 44,
      client: { name: 'Quick', email: newEmail() },
    });
    expect(other.status).toBe(202);
    const [answer] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Book this time' }).click()]);
    expect(answer?.status()).toBe(409);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('just taken');
    await expect(page.getByLabel('Your name').inputValue()).resolves.toBe('Late Comer');
    await expectFitsThePhone();
  });

  it('opens the manage link of the confirmation email; looking changes nothing; cancelling works, and the link then says it was replaced', async () => {
    const email = newEmail();
    const appointmentId = await bookFromThePage('09:30', email);
    const link = await confirmFromTheEmail(email, appointmentId);
    const before = await statusOf(appointmentId);

    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    await expectFitsThePhone();
    const text = await page.locator('body').textContent();
    expect(text).toContain('Dr. <b>Page</b> & Sons');
    expect(text).toContain('09:30 – 09:45 (Europe/Paris)');
    await page.reload();
    await page.getByRole('link', { name: new RegExp(secondDay) }).click();
    await expect(page.getByLabel('14:00', { exact: true }).count()).resolves.toBe(1);
    await expect(statusOf(appointmentId)).resolves.toEqual(before);

    await page.goto(link);
    await page.getByLabel('Reason (optional)').fill('Feeling better');
    const [answer] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Cancel this appointment' }).click()]);
    expect(answer?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Appointment cancelled');
    await expect(statusOf(appointmentId)).resolves.toMatchObject({ status: 'cancelled' });

    const again = await page.goto(link);
    expect(again?.status()).toBe(409);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('This link was replaced');
    await expectFitsThePhone();
  });

  it('moves the appointment from the manage page; the old link says it was replaced, the new email has one that works', async () => {
    const email = newEmail();
    const appointmentId = await bookFromThePage('09:45', email);
    const link = await confirmFromTheEmail(email, appointmentId);

    await page.goto(link);
    await page.getByRole('link', { name: new RegExp(secondDay) }).click();
    await page.getByLabel('15:00', { exact: true }).check();
    const [answer] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Move my appointment here' }).click()]);
    expect(answer?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Appointment moved');
    await expect(statusOf(appointmentId)).resolves.toMatchObject({ status: 'confirmed', date: secondDay, start_time: '15:00' });

    const old = await page.goto(link);
    expect(old?.status()).toBe(409);
    await expect(page.locator('body').textContent()).resolves.toContain('a newer email has the current link');
    const moved = await smtp.waitFor(
      email,
      (message) => (message.text ?? '').includes('15:00') && /\/api\/manage\?token=/.test(message.text ?? ''),
    );
    const fresh = await page.goto(manageLink(moved));
    expect(fresh?.status()).toBe(200);
    await expect(page.locator('body').textContent()).resolves.toContain('15:00 – 15:15 (Europe/Paris)');
  });
});
