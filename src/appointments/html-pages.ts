import type { FastifyReply } from 'fastify';
import { AppError } from '../common/app-error';

export const HTML = 'text/html; charset=utf-8';

/** A page and the status it is answered with. */
export interface RenderedPage {
  status: number;
  html: string;
}

/** A browser's form post prefers HTML; API clients get JSON. */
export function wantsHtml(accept: string | undefined): boolean {
  return !!accept && accept.includes('text/html') && !accept.startsWith('application/json');
}

/**
 * Answers the page `page` renders, or, for a 4xx AppError, the page `errorPage` makes of it with the
 * error's status: a person following a link or posting a form never gets JSON. A 5xx goes to the
 * problem filter as any other.
 */
export async function renderPage(
  reply: FastifyReply,
  page: () => Promise<RenderedPage>,
  errorPage: (error: AppError) => RenderedPage,
): Promise<string> {
  let rendered: RenderedPage;
  try {
    rendered = await page();
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    rendered = errorPage(error);
  }
  reply.status(rendered.status).header('content-type', HTML).header('cache-control', 'no-store');
  return rendered.html;
}
