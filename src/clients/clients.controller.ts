import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ClientsService } from './clients.service';
import { ClientView, ClientWithKeyView, CreateClientDto } from './dto/client.dto';

@ApiTags('clients')
@ApiBearerAuth()
@Controller('clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a client',
    description: "Who: the administrator. The answer carries the client's API key, shown this once.",
  })
  @ApiResponse({ status: 201, type: ClientWithKeyView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'EMAIL_TAKEN', 'RATE_LIMITED')
  @Idempotent()
  createClient(@Body() dto: CreateClientDto, @CurrentCaller() caller: Caller): Promise<ClientWithKeyView> {
    return this.clients.create(dto, caller);
  }

  @Post(':id/api_key')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Issue a new API key for a client and revoke the old one',
    description: 'Who: the administrator, or the client itself. The new key is shown this once.',
  })
  @ApiResponse({ status: 200, type: ClientWithKeyView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'CLIENT_NOT_FOUND', 'RATE_LIMITED')
  rotateClientKey(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<ClientWithKeyView> {
    return this.clients.rotateKey(id, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a client', description: 'Who: the administrator, or the client itself.' })
  @ApiResponse({ status: 200, type: ClientView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'CLIENT_NOT_FOUND', 'RATE_LIMITED')
  getClient(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<ClientView> {
    return this.clients.view(id, caller);
  }
}
