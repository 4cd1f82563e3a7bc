import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CountsRecipient, Public, SendsMessages } from '../access/access.decorators';
import { AcceptsForm } from '../common/request-body';
import { BookingPages } from './booking-pages.service';
import { BookingFormDto } from './dto/guest-pages.dto';
import { errorNoticePage } from './guest-pages';
import { renderPage } from './html-pages';

const HTML_PAGE = { 'text/html': { schema: { type: 'string' } } };

/** The service's own booking page, for people with only a browser: no JavaScript, fine on a phone. */
@ApiTags('booking page')
@Public()
@Controller('book')
export class BookingPageController {
  constructor(private readonly pages: BookingPages) {}

  @Get()
  @ApiOperation({
    summary: 'The booking page of a provider',
    description:
      "Who: anyone, no key needed. The provider's name and time zone, the open times of one day (`date`, default: " +
      'the first day with an open time within 60 days) with links to the day before and after, and a form that ' +
      'POSTs to /api/book.',
  })
  @ApiProduces('text/html')
  @ApiQuery({ name: 'provider_id', required: true, example: 124 })
  @ApiQuery({ name: 'date', required: false, description: 'YYYY-MM-DD', example: '2026-07-28' })
  @ApiResponse({ status: 200, description: 'The booking page', content: HTML_PAGE })
  @ApiResponse({ status: 400, description: 'A bad provider_id or date (VALIDATION_FAILED) page', content: HTML_PAGE })
  @ApiResponse({ status: 404, description: 'Unknown provider (PROVIDER_NOT_FOUND) page', content: HTML_PAGE })
  showBookingPage(@Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return renderPage(reply, () => this.pages.show(query), errorNoticePage);
  }

  @Post()
  @HttpCode(202)
  @AcceptsForm()
  @SendsMessages()
  @CountsRecipient((body) => (body as { email?: unknown } | undefined)?.email)
  @ApiOperation({
    summary: 'Book from the booking page (a guest booking)',
    description:
      "Who: anyone, no key needed; counted against the mail routes' rate limit per network address and per email " +
      'address. Form-encoded, as the page posts it. Holds the slot and emails the validation link exactly as a guest ' +
      'POST /api/client_schedule does, answering a page that says so (202); when it cannot (a field to fix, the time ' +
      'just taken, a booking rule), the form again with the reason, with the matching 4xx status.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    type: BookingFormDto,
    examples: {
      guest: {
        value: {
          provider_id: '124',
          date: '2026-07-28',
          requested_slot: '58',
          name: 'Grace Hopper',
          email: 'grace@example.com',
          phone: '',
        },
      },
    },
  })
  @ApiProduces('text/html')
  @ApiResponse({ status: 202, description: 'The validation email is on its way', content: HTML_PAGE })
  @ApiResponse({ status: 400, description: 'The form again, naming the fields to fix', content: HTML_PAGE })
  @ApiResponse({ status: 404, description: 'Unknown provider page', content: HTML_PAGE })
  @ApiResponse({ status: 409, description: 'The form again: the time was just taken (SLOT_UNAVAILABLE)', content: HTML_PAGE })
  @ApiResponse({ status: 429, description: 'Too many bookings from this address or for this email (RATE_LIMITED, problem+json)' })
  bookFromPage(@Body() form: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return renderPage(reply, () => this.pages.book(form), errorNoticePage);
  }
}
