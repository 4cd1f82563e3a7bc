import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CountsRecipient, CurrentCaller, OptionalAuth, OptionalCaller, SendsMessages } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { AppointmentsService } from './appointments.service';
import { GuestBookings } from './guest-bookings.service';
import {
  AppointmentList,
  AppointmentView,
  CancelAppointmentDto,
  ListAppointmentsQuery,
  PendingAppointmentView,
  RequestAppointmentDto,
  RescheduleAppointmentDto,
} from './dto/appointment.dto';

@ApiTags('appointments')
@ApiBearerAuth()
@Controller()
export class AppointmentsController {
  constructor(
    private readonly appointments: AppointmentsService,
    private readonly guestBookings: GuestBookings,
  ) {}

  @Post('client_schedule')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a slot (with a key, or as a guest)',
    description:
      'Who: the administrator, or the client itself (client_id must be its own); or anyone without a key, ' +
      'as a guest naming `client` {name, email, phone?} instead of client_id: the client with that email is ' +
      'used, or registered without a key, and the answer is the same either way (client_id null). Holds the ' +
      'slots for HOLD_TTL_SECONDS and emails the client a validation link; the token is only in the email. ' +
      "A guest request counts against the mail routes' rate limit per network address and per email address. " +
      'client_id without a key: 401; client and client_id together, or client with a key: 400. ' +
      "The provider's booking rules are checked here, not only in the listing: a start sooner than its " +
      'minimum notice is 422 TOO_SOON, a date past its horizon 422 TOO_FAR_AHEAD, a slot inside the buffer ' +
      'around another appointment 409 SLOT_UNAVAILABLE, and a client at max_active_per_client with this ' +
      'provider or with MAX_PENDING_PER_CLIENT pending holds 409 LIMIT_REACHED.',
  })
  @ApiBody({
    type: RequestAppointmentDto,
    examples: {
      withKey: {
        summary: 'With an API key',
        value: { date: '2026-07-28', provider_id: 124, client_id: 7, requested_slot: 58, duration_minutes: 30 },
      },
      guest: {
        summary: 'As a guest, without a key',
        value: { date: '2026-07-28', provider_id: 124, requested_slot: 58, client: { name: 'Grace Hopper', email: 'grace@example.com' } },
      },
    },
  })
  @ApiResponse({ status: 202, type: PendingAppointmentView })
  @ApiProblems(
    'VALIDATION_FAILED',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'PROVIDER_NOT_FOUND',
    'CLIENT_NOT_FOUND',
    'SLOT_UNAVAILABLE',
    'LIMIT_REACHED',
    'TOO_SOON',
    'TOO_FAR_AHEAD',
    'RATE_LIMITED',
    'UNAVAILABLE',
  )
  @SendsMessages()
  @Idempotent()
  @OptionalAuth()
  @CountsRecipient((body) => (body as { client?: { email?: unknown } } | undefined)?.client?.email)
  requestAppointment(@Body() dto: RequestAppointmentDto, @OptionalCaller() caller: Caller | undefined): Promise<PendingAppointmentView> {
    return this.guestBookings.request(dto, caller);
  }

  @Get('appointments/:id')
  @ApiOperation({ summary: 'Read an appointment', description: 'Who: the administrator, its provider or its client.' })
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'APPOINTMENT_NOT_FOUND', 'RATE_LIMITED')
  getAppointment(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<AppointmentView> {
    return this.appointments.get(id, caller);
  }

  @Get('appointments')
  @ApiOperation({
    summary: 'List appointments by provider, client and/or date',
    description: "Who: the administrator (all), a provider (its own) or a client (its own). Naming another's id is 403.",
  })
  @ApiResponse({ status: 200, type: AppointmentList })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED')
  listAppointments(@Query() query: ListAppointmentsQuery, @CurrentCaller() caller: Caller): Promise<AppointmentList> {
    return this.appointments.list(query, caller);
  }

  @Post('appointments/:id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel an appointment; its slots are open again at once',
    description:
      'Who: the administrator, its provider or its client. The body is optional: a reason (1 to 500 ' +
      'characters) is kept as cancellation_reason. The other party is told by email: the provider when ' +
      'the client cancels, the client when its provider or the administrator does; a confirmed ' +
      "appointment's notice carries a calendar file that takes it off the calendar (METHOD:CANCEL). " +
      'Cancelling again answers the same and tells nobody twice.',
  })
  @ApiBody({ type: CancelAppointmentDto, required: false })
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'APPOINTMENT_NOT_FOUND', 'RATE_LIMITED', 'UNAVAILABLE')
  @SendsMessages()
  @Idempotent()
  cancelAppointment(
    @Param('id', IdParamPipe) id: number,
    @Body() dto: CancelAppointmentDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AppointmentView> {
    return this.appointments.cancel(id, caller, dto.reason);
  }

  @Post('appointments/:id/reschedule')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move a confirmed appointment to other slots, in one step',
    description:
      'Who: the administrator, its provider or its client. The new slots are taken under the same rules ' +
      'as a request, before the old ones open again, so a refused move changes nothing. The appointment ' +
      'stays confirmed, with its new times and rescheduled_at; its reminders follow the new time, and the ' +
      'client is mailed an updated calendar file (the same UID, a higher SEQUENCE). Links mailed before ' +
      'stay spent. duration_minutes left out keeps the appointment’s length.',
  })
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems(
    'VALIDATION_FAILED',
    'UNAUTHENTICATED',
    'APPOINTMENT_NOT_FOUND',
    'SLOT_UNAVAILABLE',
    'NOT_RESCHEDULABLE',
    'TOO_SOON',
    'TOO_FAR_AHEAD',
    'RATE_LIMITED',
    'UNAVAILABLE',
  )
  @SendsMessages()
  @Idempotent()
  rescheduleAppointment(
    @Param('id', IdParamPipe) id: number,
    @Body() dto: RescheduleAppointmentDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AppointmentView> {
    return this.appointments.reschedule(id, dto, caller);
  }
}
