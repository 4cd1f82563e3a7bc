import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotRateLimited, Public } from '../access/access.decorators';
import { DOCS_PATH, HEALTH_PATH, OPENAPI_JSON_PATH } from '../common/api-paths';
import { ProblemView } from '../common/swagger';
import { HealthService, HealthView, LiveView } from './health.service';

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

  // Health routes are not rate limited: a load balancer or orchestrator probes them from one address, and
  // counting a probe would cost as much as answering it. Concurrent probes share one check instead.
  @Get('health')
  @NotRateLimited()
  @ApiOperation({ summary: 'Whether the database and the hold store answer' })
  @ApiResponse({ status: 200, type: HealthView })
  @ApiResponse({ status: 503, type: HealthView, description: 'A backing service does not answer' })
  async checkHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthView> {
    const view = await this.health.check();
    reply.status(view.status === 'ok' ? 200 : 503);
    return view;
  }

  @Get('health/live')
  @NotRateLimited()
  @ApiOperation({
    summary: 'Liveness: the process runs and answers',
    description: 'Who: anyone. 200 as long as the process answers HTTP, draining included; it checks nothing else.',
  })
  @ApiResponse({ status: 200, type: LiveView })
  live(): LiveView {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @NotRateLimited()
  @ApiOperation({
    summary: 'Readiness: whether this process should get traffic',
    description:
      'Who: anyone. 200 when the database and the hold store answer and the process is neither starting nor shutting down. ' +
      'A backing service down: 503 with the same body as /api/health. Starting or draining: 503 problem+json `UNAVAILABLE`.',
  })
  @ApiResponse({ status: 200, type: HealthView })
  @ApiResponse({
    status: 503,
    description: 'A backing service does not answer (the health body), or the process is starting or draining (problem+json)',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(HealthView) } },
      'application/problem+json': {
        schema: { $ref: getSchemaPath(ProblemView) },
        example: {
          type: 'https://scheduler.example/problems/unavailable',
          title: 'Service unavailable',
          status: 503,
          detail: 'The server is shutting down; try again shortly',
          code: 'UNAVAILABLE',
        },
      },
    },
  })
  async checkReady(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthView> {
    const view = await this.health.ready();
    reply.status(view.status === 'ok' ? 200 : 503);
    return view;
  }
}
