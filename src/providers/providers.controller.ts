import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IdParamPipe } from '../common/id-param.pipe';
import { PageQuery } from '../common/pagination';
import { ApiProblems } from '../common/swagger';
import { CreateProviderDto, ProviderPage, ProviderView } from './dto/provider.dto';
import { ProvidersService } from './providers.service';

@ApiTags('providers')
@Controller('providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a provider (doctor, coach, advisor) with their time zone' })
  @ApiResponse({ status: 201, type: ProviderView })
  @ApiProblems('VALIDATION_FAILED', 'EMAIL_TAKEN')
  createProvider(@Body() dto: CreateProviderDto): Promise<ProviderView> {
    return this.providers.create(dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a provider' })
  @ApiResponse({ status: 200, type: ProviderView })
  @ApiProblems('VALIDATION_FAILED', 'PROVIDER_NOT_FOUND')
  getProvider(@Param('id', IdParamPipe) id: number): Promise<ProviderView> {
    return this.providers.view(id);
  }

  @Get()
  @ApiOperation({ summary: 'List providers, oldest first, a page at a time' })
  @ApiResponse({ status: 200, type: ProviderPage })
  @ApiProblems('VALIDATION_FAILED')
  listProviders(@Query() query: PageQuery): Promise<ProviderPage> {
    return this.providers.list(query.limit, query.cursor);
  }
}
