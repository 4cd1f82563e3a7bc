import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { ClientExportView } from './dto/privacy.dto';
import { PrivacyService } from './privacy.service';

@ApiTags('clients')
@ApiBearerAuth()
@Controller('clients')
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Get(':id/export')
  @ApiOperation({
    summary: 'Export every record the service keeps about a client',
    description:
      'Who: the administrator, or the client itself. The client, its appointments (with the details typed for a booking made without an account), its queue entries, its waitlist entries and the messages sent to it.',
  })
  @ApiResponse({ status: 200, type: ClientExportView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'CLIENT_NOT_FOUND', 'RATE_LIMITED')
  exportClient(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<ClientExportView> {
    return this.privacy.export(id, caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Erase a client: its upcoming appointments are cancelled and its name, email and phone erased everywhere',
    description:
      'Who: the administrator, or the client itself. Upcoming appointments are cancelled (the providers are told); the name, email and phone are erased from the client, its appointments, and every message, sent or not (those not sent are dropped); answers kept for repeated requests are deleted; its key stops working. Appointment rows stay, anonymous. Repeating it answers 204 again.',
  })
  @ApiResponse({ status: 204, description: 'The client is erased' })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'CLIENT_NOT_FOUND', 'RATE_LIMITED')
  eraseClient(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<void> {
    return this.privacy.erase(id, caller);
  }
}
