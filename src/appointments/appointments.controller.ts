import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
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
@Controller()
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  @Post('client_schedule')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a slot',
    description:
      'Holds the slots for HOLD_TTL_SECONDS and emails the client a validation link. The token is only in the email.',
  })
  @ApiResponse({ status: 202, type: PendingAppointmentView })
  @ApiProblems('VALIDATION_FAILED', 'PROVIDER_NOT_FOUND', 'CLIENT_NOT_FOUND', 'SLOT_UNAVAILABLE', 'UNAVAILABLE')
  requestAppointment(@Body() dto: RequestAppointmentDto): Promise<PendingAppointmentView> {
    return this.appointments.request(dto);
  }

  @Get('appointments/:id')
  @ApiOperation({ summary: 'Read an appointment' })
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems('VALIDATION_FAILED', 'APPOINTMENT_NOT_FOUND')
  getAppointment(@Param('id', IdParamPipe) id: number): Promise<AppointmentView> {
    return this.appointments.get(id);
  }

  @Get('appointments')
  @ApiOperation({ summary: 'List appointments by provider, client and/or date' })
  @ApiResponse({ status: 200, type: AppointmentList })
  @ApiProblems('VALIDATION_FAILED')
  listAppointments(@Query() query: ListAppointmentsQuery): Promise<AppointmentList> {
    return this.appointments.list(query);
  }

  @Post('appointments/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an appointment; its slots are open again at once' })
  @ApiResponse({ status: 200, type: AppointmentView })
  @ApiProblems('VALIDATION_FAILED', 'APPOINTMENT_NOT_FOUND')
  cancelAppointment(@Param('id', IdParamPipe) id: number): Promise<AppointmentView> {
    return this.appointments.cancel(id);
  }
}
