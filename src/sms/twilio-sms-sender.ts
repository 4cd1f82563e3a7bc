import { withTimeout } from '../common/timeout';
import type { TwilioAccount } from '../config/environment';
import { SmsSender, SmsSendError } from './sms-sender';

/**
 * Twilio's Messages API over plain HTTPS (no SDK: the REST call is one form POST, and `apiUrl` lets
 * tests point it at a local server that speaks the same API). Twilio answers 201 with the message.
 */
export class TwilioSmsSender extends SmsSender {
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(
    private readonly account: TwilioAccount,
    apiUrl: string,
    /** The whole exchange, from connecting to the end of the answer. */
    private readonly timeoutMs: number,
  ) {
    super();
    this.endpoint = `${apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(account.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`, 'utf8').toString('base64')}`;
  }

  async send(to: string, body: string): Promise<void> {
    const form = new URLSearchParams({ To: to, Body: body });
    form.set(/^MG[0-9a-f]{32}$/i.test(this.account.from) ? 'MessagingServiceSid' : 'From', this.account.from);
    let answer: { status: number; text: string };
    try {
      // One deadline for the whole exchange: the abort closes the connection, and withTimeout gives up
      // even on a step the abort would not reach.
      answer = await withTimeout(this.post(form, AbortSignal.timeout(this.timeoutMs)), this.timeoutMs);
    } catch (error) {
      throw new SmsSendError(`Twilio did not answer: ${error instanceof Error ? error.message : String(error)}`, true);
    }
    const { status, text } = answer;
    if (status === 201 || status === 200) return;
    // Twilio's error body: {"code": 21211, "message": "The 'To' number … is not a valid phone number.", …}
    let reason = text.slice(0, 200);
    try {
      const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (typeof parsed.message === 'string')
        reason = `${parsed.message}${parsed.code ? ` (code ${typeof parsed.code === 'number' || typeof parsed.code === 'string' ? parsed.code : '?'})` : ''}`;
    } catch {
      // not JSON: keep the start of the text
    }
    throw new SmsSendError(`Twilio answered ${status}: ${reason}`, status >= 500 || status === 429);
  }

  private async post(form: URLSearchParams, signal: AbortSignal): Promise<{ status: number; text: string }> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        authorization: this.authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      signal,
    });
    // A body cut short still leaves the status: Twilio has taken (or refused) the message.
    return { status: response.status, text: await response.text().catch(() => '') };
  }
}
