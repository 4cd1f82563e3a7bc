import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { PageQuery } from '../common/pagination';
import { ApiProblems } from '../common/swagger';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { CreateProviderDto, ProviderPage, ProviderView, ProviderWithKeyView, UpdateProviderDto } from './dto/provider.dto';
import { ProvidersService } from './providers.service';

@ApiTags('providers')
@ApiBearerAuth()
@Controller('providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register a provider (doctor, coach, advisor) with their time zone',
    description: "Who: the administrator. The answer carries the provider's API key, shown this once.",
  })
  @ApiResponse({ status: 201, type: ProviderWithKeyView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'EMAIL_TAKEN', 'RATE_LIMITED')
  @Idempotent()
  createProvider(@Body() dto: CreateProviderDto, @CurrentCaller() caller: Caller): Promise<ProviderWithKeyView> {
    return this.providers.create(dto, caller);
  }

  @Post(':id/api_key')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Issue a new API key for a provider and revoke the old one',
    description: 'Who: the administrator, or the provider itself. The new key is shown this once.',
  })
  @ApiResponse({ status: 200, type: ProviderWithKeyView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  rotateProviderKey(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<ProviderWithKeyView> {
    return this.providers.rotateKey(id, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a provider', description: 'Who: the administrator, or the provider itself.' })
  @ApiResponse({ status: 200, type: ProviderView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'RATE_LIMITED')
  getProvider(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<ProviderView> {
    return this.providers.view(id, caller);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change a provider's name, email, phone or booking rules",
    description:
      'Who: the administrator, or the provider itself; to any other key the provider does not exist (404). ' +
      'Only the fields given change, all of them or none. The booking rules (minimum notice, booking horizon, ' +
      "buffers, a cap on a client's upcoming appointments) apply to requests from then on; appointments already " +
      'held or booked stay.',
  })
  @ApiResponse({ status: 200, type: ProviderView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'PROVIDER_NOT_FOUND', 'EMAIL_TAKEN', 'RATE_LIMITED')
  updateProvider(
    @Param('id', IdParamPipe) id: number,
    @Body() dto: UpdateProviderDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ProviderView> {
    return this.providers.update(id, dto, caller);
  }

  @Get()
  @ApiOperation({
    summary: 'List providers, oldest first, a page at a time',
    description: "Who: the administrator sees every provider; a provider's key sees only itself; a client's key is refused.",
  })
  @ApiResponse({ status: 200, type: ProviderPage })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED')
  listProviders(@Query() query: PageQuery, @CurrentCaller() caller: Caller): Promise<ProviderPage> {
    return this.providers.list(caller, query.limit, query.cursor);
  }
}
