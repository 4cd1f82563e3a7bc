import { ApiClient } from '../support/api-client';
import { startAppProcess } from '../support/app-process';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { outboxRows } from '../support/outbox-load';
import { SmtpSink } from '../support/smtp-sink';
import { StallingSmtpServer } from '../support/stalling-smtp';
import { startTestApp } from '../support/test-app';

/**
 * The shutdown e2e specs all shorten OUTBOUND_TIMEOUT_SECONDS; this one keeps the default (10 s), under
 * which the worker's shutdown grace (min(5 s, the deadline)) must still fit in the 3 s the modules get
 * to close (src/shutdown.ts), or the process exits before the message in hand is handed back.
 */
describeBackend('SIGTERM with a send stalled in hand, at the default outbound deadline', () => {
  let backend: TestBackend;
  let smtp: StallingSmtpServer;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new StallingSmtpServer();
  });

  afterAll(async () => {
    await smtp?.stop();
    await backend?.dispose();
  });

  it('closes its modules cleanly and hands the message back, so the next server sends it at once', async () => {
    const sut = await startAppProcess({ ...backend.env, SMTP_URL: await smtp.start(), OUTBOUND_TIMEOUT_SECONDS: undefined });
    const sink = new SmtpSink();
    try {
      const api = new ApiClient(sut.url, backend.env.ADMIN_API_KEY);
      const provider = await createProvider(api);
      const client = await createClient(api);
      const date = futureDate(60);
      await publish(api, provider.id, date, '09:00', '10:00');
      const held = await api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: 36 });
      expect(held.status).toBe(202);
      await smtp.waitForStalled(1);

      sut.signal('SIGTERM');
      await expect(sut.exited).resolves.toEqual({ code: 0, signal: null });
      expect(sut.output()).not.toContain('did not close cleanly');
      // Handed back: due now and nobody's, rather than leased to the dead process for 25 s, and not
      // counted a failed try (no error, no back-off): the 10 s deadline outlasts the 1.5 s grace.
      const validation = (await outboxRows(backend.env)).find((row) => row.kind === 'validation');
      const readAt = Date.now();
      expect(validation).toMatchObject({ status: 'queued', attempts: 1, lease_until: null, last_error: null });
      expect(validation!.next_attempt_at).toBeLessThanOrEqual(readAt);

      const next = await startTestApp(backend.env, { env: { SMTP_URL: await sink.start() }, logger: false });
      try {
        // The row above says it is due at once; a loaded machine may still take seconds to boot and send.
        const mail = await sink.waitFor(client.email, () => true, 20_000);
        expect(mail.subject).toMatch(/^Confirm your appointment/);
      } finally {
        await next.close();
      }
    } finally {
      smtp.dropConnections();
      await sut.stop();
      await sink.stop();
    }
    // The real process boots in this test: up to 25 s on a machine at load 10.
  }, 120_000);
});
