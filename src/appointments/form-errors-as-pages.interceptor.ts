import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, Observable, of } from 'rxjs';
import { AppError } from '../common/app-error';
import { errorNoticePage } from './guest-pages';
import { HTML, wantsHtml } from './html-pages';

/**
 * A form posted from one of our pages gets a page back, whatever refuses it: the validation pipe too,
 * which runs before the handler (and its renderPage) is reached. API clients asking for JSON are left alone.
 */
@Injectable()
export class FormErrorsAsPages implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    if (!wantsHtml(http.getRequest<FastifyRequest>().headers.accept)) return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        const page = errorNoticePage(error);
        http.getResponse<FastifyReply>().status(page.status).header('content-type', HTML).header('cache-control', 'no-store');
        return of(page.html);
      }),
    );
  }
}
