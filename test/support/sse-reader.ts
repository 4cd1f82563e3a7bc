export interface SseEvent {
  event: string;
  id: string | undefined;
  /** The data, parsed as JSON when it is JSON. */
  data: any;
}

/**
 * A client of a text/event-stream, as a browser's EventSource would read it, built on fetch and the
 * response's ReadableStream. Events are kept in arrival order; `next()` hands them out one by one.
 */
export class SseReader {
  readonly received: SseEvent[] = [];
  private taken = 0;
  private waiters: (() => void)[] = [];
  private ended = false;
  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly abort: AbortController,
  ) {}

  /** Connects; a non-200 answer is returned with its body in `problem`, without a stream. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader & { problem?: any }> {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    const reader = new SseReader(response.status, response.headers, abort);
    if (response.status !== 200 || !response.body) {
      const text = await response.text();
      reader.ended = true;
      return Object.assign(reader, { problem: text.startsWith('{') ? JSON.parse(text) : text });
    }
    void reader.pump(response.body);
    return reader;
  }

  /** The next event not yet taken (waiting up to `timeoutMs` for it: generous, as a loaded machine may be slow to send it). */
  async next(timeoutMs = 15_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.taken >= this.received.length) {
      const left = deadline - Date.now();
      if (this.ended) throw new Error(`The stream ended after ${this.received.length} events`);
      if (left <= 0) throw new Error(`No event within ${timeoutMs} ms (after ${this.received.length} events)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received[this.taken++];
  }

  /** Takes events until one matches, and answers it. */
  async until(matches: (event: SseEvent) => boolean, timeoutMs = 15_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (matches(event)) return event;
    }
  }

  /** No event arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    const before = this.received.length;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.received.length === before;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  close(): void {
    this.abort.abort();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close(), or the server went away
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private dispatch(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    this.received.push({ event, id, data: parsed });
    this.wake();
  }

  private wake(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }
}
