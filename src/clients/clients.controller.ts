import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IdParamPipe } from '../common/id-param.pipe';
import { ApiProblems } from '../common/swagger';
import { ClientsService } from './clients.service';
import { ClientView, CreateClientDto } from './dto/client.dto';

@ApiTags('clients')
@Controller('clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a client' })
  @ApiResponse({ status: 201, type: ClientView })
  @ApiProblems('VALIDATION_FAILED', 'EMAIL_TAKEN')
  createClient(@Body() dto: CreateClientDto): Promise<ClientView> {
    return this.clients.create(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a client' })
  @ApiResponse({ status: 200, type: ClientView })
  @ApiProblems('VALIDATION_FAILED', 'CLIENT_NOT_FOUND')
  getClient(@Param('id', IdParamPipe) id: number): Promise<ClientView> {
    return this.clients.view(id);
  }
}
