import { connect, Socket } from 'node:net';
import SMTPTransport from 'nodemailer/lib/smtp-transport';

type SocketCallback = (error: Error | null, socketOptions: { connection: Socket } | false) => void;

/**
 * nodemailer's SMTP transport for `SMTP_URL`, where every message has a deadline of its own: the
 * transport opens one connection per message, and that connection is destroyed once `deadlineMs` have
 * passed, whatever the server is doing (a server that takes DATA and never answers keeps nodemailer's
 * own timeouts waiting, and the request with them).
 */
export function createSmtpTransport(url: string, deadlineMs: number): SMTPTransport {
  // Built here rather than by createTransport({ url, … }), which drops every option given beside `url`.
  return new SMTPTransport({
    url,
    connectionTimeout: Math.min(5000, deadlineMs),
    greetingTimeout: Math.min(5000, deadlineMs),
    socketTimeout: deadlineMs,
    getSocket: (options, callback: SocketCallback) => connectWithDeadline(options, deadlineMs, callback),
  });
}

/** Opens the connection nodemailer then speaks SMTP (and TLS, for smtps or STARTTLS) over. */
function connectWithDeadline(options: SMTPTransport.Options, deadlineMs: number, callback: SocketCallback): void {
  const socket = connect({ host: options.host ?? 'localhost', port: Number(options.port) || (options.secure ? 465 : 587) });
  const deadline = setTimeout(() => {
    socket.destroy(Object.assign(new Error(`The mail server did not finish within ${deadlineMs} ms`), { code: 'ETIMEDOUT' }));
  }, deadlineMs);
  socket.once('close', () => clearTimeout(deadline));
  let answered = false;
  const answer: SocketCallback = (error, socketOptions) => {
    if (answered) return;
    answered = true;
    callback(error, socketOptions);
  };
  // Before the connection is handed over, its errors are ours to report; after, nodemailer listens too.
  socket.on('error', (error) => answer(error, false));
  socket.once('connect', () => answer(null, { connection: socket }));
}
