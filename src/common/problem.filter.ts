import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { REPLAYED_HEADER, ReplayedAnswer } from '../idempotency/stored-answer';
import { clientErrorProblem, Problem, PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** Renders every error as RFC 9457 problem+json; never leaks a stack or SQL. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (clientWentAway(error, reply)) return;
    if (error instanceof ReplayedAnswer) {
      const { status, contentType, body } = error.answer;
      reply.status(status).header('content-type', contentType).header(REPLAYED_HEADER, 'true').send(body);
      return;
    }
    sendProblem(reply, toProblem(error), error, this.logger);
  }
}

/**
 * The client dropped its connection while still sending the request (or its request was refused as
 * malformed halfway): Node's "aborted" reset. Nothing failed on this side and nobody is left to answer.
 */
function clientWentAway(error: unknown, reply: FastifyReply): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' && message === 'aborted' && reply.raw.destroyed;
}

export function sendProblem(reply: FastifyReply, problem: Problem, error: unknown, logger: Logger): void {
  if (problem.code === 'UNAVAILABLE') {
    logger.warn(`503: ${error instanceof Error ? error.message : String(error)}`);
  } else if (problem.status >= 500) {
    logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  if (problem.code === 'RATE_LIMITED' && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
  reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/**
 * Answers, straight on the socket, a request Node's HTTP parser refused (malformed HTTP, headers over
 * the limit) or that was not received in time, then drops the connection: there is no request to
 * route, so no filter runs. Fastify's `clientErrorHandler`.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A connection the client reset has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // As Node does: only when no response is under way on this connection, so no answer is cut into another.
  const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && (!current || !current.headersSent)) {
    const problem = clientErrorProblem(error);
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
