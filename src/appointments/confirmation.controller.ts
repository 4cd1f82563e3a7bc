import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public, SendsMessages } from '../access/access.decorators';
import { AcceptsForm } from '../common/request-body';
import { ApiProblems } from '../common/swagger';
import { ConfirmationView, ValidateTokenDto } from './dto/appointment.dto';
import { confirmedPage, errorPage, previewPage } from './confirmation-page';
import { renderPage, wantsHtml } from './html-pages';
import { ConfirmationService } from './confirmation.service';
import { FormErrorsAsPages } from './form-errors-as-pages.interceptor';

/** Confirming a held appointment. The route, tag and operation ids keep the public API's word, "validate". */
@ApiTags('validation')
@Public()
@Controller('validate')
export class ConfirmationController {
  constructor(private readonly confirmations: ConfirmationService) {}

  @Get()
  @ApiOperation({
    summary: 'The page behind the emailed link',
    description:
      'Who: anyone with the link (the token is the credential). Shows the appointment and a button that POSTs the token. A GET changes nothing.',
  })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The confirmation page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 401, description: 'Invalid link page (TOKEN_INVALID)', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiResponse({
    status: 409,
    description: 'Already confirmed or cancelled page',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 410, description: 'Expired link page (HOLD_EXPIRED)', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiQuery({ name: 'token', required: true, description: 'The token from the emailed link' })
  // A person follows this link: a missing or mangled token, or parameters a mail client appended,
  // still get a page that says what is wrong, never a JSON error.
  showValidationPage(@Query('token') token: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = typeof token === 'string' ? token : '';
    return renderPage(reply, async () => previewPage(await this.confirmations.preview(text), text), errorPage);
  }

  @Post()
  @HttpCode(200)
  @AcceptsForm()
  @UseInterceptors(FormErrorsAsPages)
  @SendsMessages()
  @ApiOperation({
    summary: 'Confirm a held appointment',
    description:
      'Who: anyone with the token. JSON, or form-encoded from the page. Books the slots once and mails a confirmation with an .ics file.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiResponse({ status: 200, type: ConfirmationView })
  @ApiProblems(
    'VALIDATION_FAILED',
    'TOKEN_INVALID',
    'ALREADY_CONFIRMED',
    'HOLD_CANCELLED',
    'SLOT_UNAVAILABLE',
    'HOLD_EXPIRED',
    'RATE_LIMITED',
    'UNAVAILABLE',
  )
  async confirmAppointment(
    @Body() dto: ValidateTokenDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConfirmationView | string> {
    if (!wantsHtml(accept)) return this.confirmations.confirm(dto.token);
    return renderPage(
      reply,
      async () => {
        const { appointment } = await this.confirmations.confirm(dto.token);
        return confirmedPage(appointment.date, appointment.start_time, appointment.end_time);
      },
      errorPage,
    );
  }
}
