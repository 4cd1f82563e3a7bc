import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, SendsMessages } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { AppointmentsService } from './appointments.service';
import {
  AppointmentList,
  AppointmentView,
  ListAppointmentsQuery,
  PendingAppointmentView,
  RequestAppointmentDto,
} from './dto/appointment.dto';

@ApiTags('appointments')
@ApiBearerAuth()
@Controller()
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @Post('client_schedule')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a slot',
    description:
      'Who: the administrator, or the client itself (client_id must be its own). Holds the slots for ' +
      'HOLD_TTL_SECONDS and emails the client a validation link. The token is only in the email. ' +
      "The provider's booking rules are checked here, not only in the listing: a start sooner than its " +
      'minimum notice is 422 TOO_SOON, a date past its horizon 422 TOO_FAR_AHEAD, a slot inside the buffer ' +
      'around another appointment 409 SLOT_UNAVAILABLE, and a client at max_active_per_client with this ' +
      'provider or with MAX_PENDING_PER_CLIENT pending holds 409 LIMIT_REACHED.',
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
  requestAppointment(@Body() dto: RequestAppointmentDto, @CurrentCaller() caller: Caller): Promise<PendingAppointmentView> {
    return this.appointments.request(dto, caller);
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
    description: 'Who: the administrator, its provider or its client.',
  })
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'APPOINTMENT_NOT_FOUND', 'RATE_LIMITED')
  cancelAppointment(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<AppointmentView> {
    return this.appointments.cancel(id, caller);
  }
}
