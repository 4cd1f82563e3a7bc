import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AcceptsMetricsToken, AuthenticatedRequest } from '../access/access.decorators';
import { ApiProblems } from '../common/swagger';
import { MetricsService } from './metrics.service';

const EXAMPLE = [
  '# HELP http_request_duration_seconds Time from receiving a request to the end of its answer, by method, route pattern and status',
  '# TYPE http_request_duration_seconds histogram',
  'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/schedule",status_code="200"} 118',
  '# HELP scheduler_holds_claimed_total Appointment requests whose slots were claimed (held awaiting validation)',
  '# TYPE scheduler_holds_claimed_total counter',
  'scheduler_holds_claimed_total 42',
].join('\n');

@ApiTags('health')
@ApiBearerAuth()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @AcceptsMetricsToken()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      "Who: the administrator, or `Authorization: Bearer <METRICS_TOKEN>`. Request durations by route pattern and status, holds claimed, queue lengths, and the process's own (CPU, memory, event loop).",
  })
  @ApiProduces('text/plain')
  @ApiResponse({
    status: 200,
    description: 'The Prometheus text format',
    content: { 'text/plain': { schema: { type: 'string', example: EXAMPLE } } },
  })
  @ApiProblems('UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED')
  async getMetrics(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = await this.metrics.scrape(request);
    reply.header('content-type', this.metrics.contentType);
    return text;
  }
}
