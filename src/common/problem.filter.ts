import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Problem, PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** Renders every error as RFC 9457 problem+json; never leaks a stack or SQL. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendProblem(reply, toProblem(error), error, this.logger);
  }
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
