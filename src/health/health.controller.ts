import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../access/access.decorators';
import { DOCS_PATH, HEALTH_PATH, OPENAPI_JSON_PATH } from '../common/api-paths';
import { HealthService, HealthView } from './health.service';

class HelloView {
  @ApiProperty({ example: 'Hello from the scheduler' }) message: string;
}

class ApiLinksView {
  @ApiProperty({ example: DOCS_PATH, description: 'Swagger UI' }) docs: string;
  @ApiProperty({ example: OPENAPI_JSON_PATH, description: 'The OpenAPI 3 document' }) openapi: string;
  @ApiProperty({ example: HEALTH_PATH, description: 'Whether the database and the hold store answer' }) health: string;
}

class ApiIndexView {
  @ApiProperty({ example: 'Scheduler API' }) name: string;
  @ApiProperty({ type: ApiLinksView }) links: ApiLinksView;
}

const API_INDEX: ApiIndexView = { name: 'Scheduler API', links: { docs: DOCS_PATH, openapi: OPENAPI_JSON_PATH, health: HEALTH_PATH } };

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({
    summary: 'Where the API documents itself',
    description: 'Who: anyone. Links to Swagger UI, the OpenAPI document and the health check.',
  })
  @ApiResponse({ status: 200, type: ApiIndexView })
  getApiIndex(): ApiIndexView {
    return API_INDEX;
  }

  @Get('hello')
  @ApiOperation({ summary: 'Smoke test' })
  @ApiResponse({ status: 200, type: HelloView })
  hello(): HelloView {
    return { message: 'Hello from the scheduler' };
  }

  @Get('health')
  @ApiOperation({ summary: 'Whether the database and the hold store answer' })
  @ApiResponse({ status: 200, type: HealthView })
  @ApiResponse({ status: 503, type: HealthView, description: 'A backing service does not answer' })
  async checkHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthView> {
    const view = await this.health.check();
    reply.status(view.status === 'ok' ? 200 : 503);
    return view;
  }
}
