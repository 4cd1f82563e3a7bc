import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public, SendsMessages } from '../access/access.decorators';
import { AcceptsForm } from '../common/request-body';
import { ApiProblems } from '../common/swagger';
import { AppointmentView } from './dto/appointment.dto';
import { ManageCancelDto, ManageRescheduleDto } from './dto/guest-pages.dto';
import { FormErrorsAsPages } from './form-errors-as-pages.interceptor';
import { errorNoticePage } from './guest-pages';
import { renderPage, wantsHtml } from './html-pages';
import { ManagePages } from './manage-pages';
import { ManageService } from './manage.service';

const HTML_PAGE = { 'text/html': { schema: { type: 'string' } } };

/** The manage link of a confirmed appointment: the token is the credential, for people who hold no API key. */
@ApiTags('manage')
@Public()
@Controller('manage')
export class ManageController {
  constructor(
    private readonly manage: ManageService,
    private readonly pages: ManagePages,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The page behind the emailed manage link',
    description:
      "Who: anyone with the link (the token is the credential). Shows the appointment in the provider's zone, " +
      'a form to cancel it (with an optional reason) and the open times of a day to move it to (`date`, default: ' +
      'the first day with room for it). A GET changes nothing. A link past the appointment’s start: 401 page; ' +
      'a link of an appointment moved or cancelled since: 409 page (LINK_SUPERSEDED).',
  })
  @ApiProduces('text/html')
  @ApiQuery({ name: 'token', required: true, description: 'The token from the emailed link' })
  @ApiQuery({ name: 'date', required: false, description: 'The day whose open times to show, YYYY-MM-DD', example: '2026-07-29' })
  @ApiResponse({ status: 200, description: 'The manage page', content: HTML_PAGE })
  @ApiResponse({ status: 400, description: 'A bad date (VALIDATION_FAILED) page', content: HTML_PAGE })
  @ApiResponse({ status: 401, description: 'Invalid or expired link (TOKEN_INVALID) page', content: HTML_PAGE })
  @ApiResponse({ status: 409, description: 'Link replaced (LINK_SUPERSEDED) page', content: HTML_PAGE })
  // A person follows this link: whatever is wrong with it gets a page, never JSON.
  showManagePage(
    @Query('token') token: unknown,
    @Query('date') date: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return renderPage(reply, () => this.pages.show(typeof token === 'string' ? token : '', date), errorNoticePage);
  }

  @Post('cancel')
  @HttpCode(200)
  @AcceptsForm()
  @UseInterceptors(FormErrorsAsPages)
  @SendsMessages()
  @ApiOperation({
    summary: 'Cancel the appointment of a manage link',
    description:
      'Who: anyone with the token, acting as the appointment’s client would with its key. JSON → the appointment; ' +
      'form-encoded from the page → an HTML page. Every earlier manage link of the appointment is superseded.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems('VALIDATION_FAILED', 'TOKEN_INVALID', 'LINK_SUPERSEDED', 'RATE_LIMITED', 'UNAVAILABLE')
  cancelByLink(
    @Body() dto: ManageCancelDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppointmentView | string> {
    if (!wantsHtml(accept)) return this.manage.cancel(dto.token, dto.reason);
    return renderPage(reply, () => this.pages.cancelFromForm(dto), errorNoticePage);
  }

  @Post('reschedule')
  @HttpCode(200)
  @AcceptsForm()
  @UseInterceptors(FormErrorsAsPages)
  @SendsMessages()
  @ApiOperation({
    summary: 'Move the appointment of a manage link to another open time',
    description:
      'Who: anyone with the token, acting as the appointment’s client would with its key: the same rules and ' +
      'answers as POST /api/appointments/{id}/reschedule, keeping the appointment’s duration. JSON → the ' +
      'appointment; form-encoded from the page → an HTML page. The reschedule email carries a fresh manage link; ' +
      'every earlier one is superseded.',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems(
    'VALIDATION_FAILED',
    'TOKEN_INVALID',
    'LINK_SUPERSEDED',
    'SLOT_UNAVAILABLE',
    'NOT_RESCHEDULABLE',
    'TOO_SOON',
    'TOO_FAR_AHEAD',
    'RATE_LIMITED',
    'UNAVAILABLE',
  )
  rescheduleByLink(
    @Body() dto: ManageRescheduleDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppointmentView | string> {
    if (!wantsHtml(accept)) return this.manage.reschedule(dto.token, { date: dto.date, requested_slot: dto.requested_slot });
    return renderPage(reply, () => this.pages.rescheduleFromForm(dto), errorNoticePage);
  }
}
